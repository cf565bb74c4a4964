"""Which files make a pack: the one definition the command line, `ruleproof diff` and the
service share. A pack is a folder; every `.rules` file under it, in subfolders too, is one of
its modules. A folder of packs (such as `policies/`) holds one pack per direct subfolder.
"""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".rules"


class PackNotFound(Exception):
    """The path names no readable pack (a usage or I/O problem, not a finding)."""


def pack_files(folder: Path) -> list[Path]:
    """Every `.rules` file under `folder`, subfolders included, sorted by path; [] if none.
    Whatever is named `*.rules` counts: one that cannot be read as a file is reported
    unreadable (E001), never silently left out."""
    return sorted(folder.rglob("*" + SUFFIX))


def _holds_pack(folder: Path) -> bool:
    return next(folder.rglob("*" + SUFFIX), None) is not None


def pack_folders(root: Path) -> list[Path]:
    """The packs of a folder of packs: its direct subfolders (not hidden ones) that hold a
    `.rules` file at any depth, sorted by name."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and _holds_pack(p))


def pack_paths(path: Path) -> list[Path]:
    """The packs a path names: a `.rules` file, a pack folder (with `.rules` files of its own),
    or a folder of packs (one holding `.rules` files only in subfolders, such as `policies/`)."""
    if path.is_dir() and next(path.glob("*" + SUFFIX), None) is None:
        return pack_folders(path) or [path]
    return [path]


def files_of(path: Path) -> list[Path]:
    """The files of the pack at `path`: the `.rules` file given, or `pack_files` of a folder.
    Raises PackNotFound when there are none."""
    if path.is_dir():
        files = pack_files(path)
        if not files:
            raise PackNotFound(f"no {SUFFIX} files in {path}")
        return files
    if path.is_file():
        return [path]
    raise PackNotFound(f"no such file or folder: {path}")
