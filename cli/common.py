"""What every command shares: exit codes, the usage error, loading a pack that must be free of
errors, and reading one case of facts as strict JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the front end is imported by the commands that load a pack, when they do
    from ruleproof.checker.pipeline import LoadResult

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MAX_FACTS_BYTES = 16 * 1024 * 1024  # a facts file larger than this is no case (/dev/zero never ends)


class UsageError(Exception):
    """A problem with how the command was called, or with reading its inputs."""


DMN_SUFFIX = ".dmn"


def load(path: str, as_of: int | None = None) -> LoadResult:
    """The pack at `path` (folder, .rules file, or a .dmn model imported on the way) as the
    front end reads it, with every decision read as of day `as_of` if given (rules out of
    force that day left out); UsageError when there is none."""
    if Path(path).suffix == DMN_SUFFIX:
        from ruleproof.checker.dmn.load import load_dmn

        return load_dmn(path)[0]
    from ruleproof.checker.packs import PackNotFound
    from ruleproof.checker.pipeline import load_pack

    try:
        return load_pack(Path(path), as_of)
    except PackNotFound as err:
        raise UsageError(str(err)) from None


def load_ok(path: str, as_of: int | None = None) -> LoadResult:
    """Load a pack that must be free of errors (for decide, test and diff): its errors go to
    standard error and a UsageError says to fix them first. `as_of`: see `load`."""
    from ruleproof.checker.diagnostics import Severity
    from ruleproof.checker.render import render_text

    result = load(path, as_of)
    if not result.ok:
        sys.stderr.write(render_text([d for d in result.diagnostics if d.severity is Severity.ERROR]))
        raise UsageError(f"{path} has errors; fix them first (ruleproof check {path})")
    return result


def read_json(source: str):
    """The JSON in file `source` (or standard input for `-`), read strictly: bounded in size,
    numbers of at most 4,300 digits, each key once per object; UsageError says what is wrong."""
    from ruleproof.server.strictjson import duplicate_keys

    try:
        if source == "-":
            stdin = getattr(sys.stdin, "buffer", None)  # a replaced sys.stdin may be text only
            data = stdin.read(MAX_FACTS_BYTES + 1) if stdin is not None else sys.stdin.read(MAX_FACTS_BYTES + 1).encode()
        else:
            with open(source, "rb") as stream:
                data = stream.read(MAX_FACTS_BYTES + 1)
    except OSError as err:
        raise UsageError(f"cannot read {source}: {err.strerror}") from None
    if len(data) > MAX_FACTS_BYTES:
        raise UsageError(f"{source}: more than {MAX_FACTS_BYTES // (1024 * 1024)} MiB; facts are one case")
    try:
        text = data.decode("utf-8")
        value = json.loads(text)
    except UnicodeDecodeError as err:
        raise UsageError(f"{source}: not UTF-8 text (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise UsageError(f"{source}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    except ValueError as err:  # an integer of more than 4,300 digits
        raise UsageError(f"{source}: invalid JSON: {str(err).split(';')[0].lower()}") from None
    except RecursionError:
        raise UsageError(f"{source}: JSON nested too deeply") from None
    duplicates = duplicate_keys(data)
    if duplicates:
        raise UsageError(f"{source}: `{duplicates[0]['path']}` is sent twice; send each key once")
    return value


def write_json(value: object) -> None:
    """Print `value` as one indented JSON document."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
