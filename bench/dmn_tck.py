"""The DMN TCK's decision-table tests (compliance levels 2 and 3) through `ruleproof import
dmn` and decide, from a local checkout of github.com/dmn-tck/tck (not part of this repository):

    .venv/bin/python bench/dmn_tck.py PATH/TO/tck [--markdown]

Prints, per test model with a decision table, each test case's pass/fail, or why the model is
outside the supported subset (the import's diagnostics). Test values the import cannot take (null
inputs, lists, times, seconds) make the case "outside" too, with the reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ruleproof.checker.dmn import import_dmn  # noqa: E402
from ruleproof.checker.dmn.xml import parse_xml  # noqa: E402
from ruleproof.checker.evaluate import CompiledPack  # noqa: E402
from ruleproof.checker.pipeline import load_texts  # noqa: E402

from tests.dmn.conformance import Case, run_case  # noqa: E402


class Outside(Exception):
    """A test value outside what the import takes."""


def _value(node):
    if node.attrs.get("nil") == "true":
        raise Outside("a null value")
    if node.find("list") is not None or node.tag == "list":
        raise Outside("a list value")
    if node.findall("component"):
        return {c.attrs["name"]: _value(c.find("value")) for c in node.findall("component")}
    kind = node.attrs.get("type", "").split(":")[-1]
    text = node.text.strip()
    if kind in ("decimal", "double", "int", "integer", "long", "float"):
        number = float(text)
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        return text == "true"
    if kind == "date":
        return text
    if kind == "dateTime":
        if len(text) > 16 and text[16:19] not in (":00", ""):
            raise Outside("a date-time with seconds")
        return text[:16]
    if kind in ("string", ""):
        return text
    raise Outside(f"a value of type {kind}")


def read_cases(path: Path) -> list[Case | tuple[str, str]]:
    """The test cases of a TCK test file: Case, or (id, why outside)."""
    root = parse_xml(path.read_text(encoding="utf-8"))
    out = []
    for case in root.findall("testCase"):
        cid = case.attrs.get("id", "?")
        try:
            inputs = {n.attrs["name"]: _value(n.find("value")) for n in case.findall("inputNode")}
            expected = {}
            for result in case.findall("resultNode"):
                inner = result.find("expected")
                value = inner.find("value")
                expected[result.attrs["name"]] = _value(value if value is not None else inner)
            out.append(Case(cid, inputs, expected))
        except Outside as why:
            out.append((cid, str(why)))
    return out


def run(tck: Path) -> list[tuple[str, str, str, str]]:
    """(level, model, case id or '-', verdict: pass | fail | outside: reason)."""
    rows = []
    for level in ("compliance-level-2", "compliance-level-3"):
        for folder in sorted((tck / "TestCases" / level).iterdir()):
            models = sorted(folder.glob("*.dmn"))
            if not models or not any("decisionTable" in m.read_text(encoding="utf-8") for m in models):
                continue
            if len(models) > 1:
                rows.append((level, folder.name, "-", "outside: a model importing other models"))
                continue
            imported = import_dmn(models[0])
            if imported.text is None:
                reasons = sorted({d.message for d in imported.diagnostics})
                rows.append((level, folder.name, "-", "outside: " + reasons[0] + (f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else "")))
                continue
            loaded = load_texts({imported.pack_path: imported.text})
            if not loaded.ok:
                rows.append((level, folder.name, "-", "fail: the imported pack does not load"))
                continue
            compiled = CompiledPack(loaded.pack)
            for test in sorted(folder.glob("*-test-*.xml")):
                for case in read_cases(test):
                    if isinstance(case, tuple):
                        rows.append((level, folder.name, case[0], f"outside: {case[1]}"))
                        continue
                    ok, got = run_case(imported, case, compiled)
                    rows.append((level, folder.name, case.id, "pass" if ok else f"fail: got {got}, expected {case.expected!r}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tck", type=Path)
    args = parser.parse_args()
    rows = run(args.tck)
    for row in rows:
        print(" | ".join(row))
    verdicts = [r[3].split(":")[0] for r in rows if r[2] != "-"]
    print(f"\ncases: {verdicts.count('pass')} pass, {verdicts.count('fail')} fail, {verdicts.count('outside')} outside; "
          f"models outside the subset: {sum(1 for r in rows if r[2] == '-')}")


if __name__ == "__main__":
    main()
