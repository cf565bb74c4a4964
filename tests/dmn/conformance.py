"""Deciding DMN test cases (inputs by DMN name, expected results by decision and component)
on an imported model, as the DMN TCK states them: shared by tests/test_dmn_conformance.py (our
own models, re-expressing TCK tests) and bench/dmn_tck.py (a local checkout of the TCK)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ruleproof.checker.dmn import DmnImport
from ruleproof.checker.dmn.load import dmn_facts
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_texts
from ruleproof.checker.values import InvalidFacts, read_facts, to_wire


@dataclass(frozen=True)
class Case:
    """One test case: `inputs` by DMN input data name (wire values); `expected` by DMN
    decision name, a value or, for a table of several outputs, {component: value}."""

    id: str
    inputs: dict
    expected: dict


def _same(got, want) -> bool:
    if isinstance(want, bool) or isinstance(got, bool) or want is None or got is None:
        return got == want
    if isinstance(want, (int, float, Decimal)) and isinstance(got, (int, float)):
        return Decimal(str(got)) == Decimal(str(want))
    return got == want


def run_case(imported: DmnImport, case: Case, compiled: CompiledPack | None = None) -> tuple[bool, str]:
    """(passed, what came out) for one case on an import that produced a pack."""
    if compiled is None:
        compiled = CompiledPack(load_texts({imported.pack_path: imported.text}).pack)
    pack = compiled.pack
    try:
        facts = read_facts(pack, dmn_facts(imported, case.inputs))
    except InvalidFacts as err:
        return False, f"facts refused: {err}"
    outcome = compiled.decide(facts)
    got: dict = {}
    for out in imported.outputs:
        value = outcome.values.get(out.pack_name)
        wire = None if value is None else to_wire(value, pack.decisions[out.pack_name].type)
        if out.component is None:
            got[out.dmn_decision] = wire
        else:
            got.setdefault(out.dmn_decision, {})[out.component] = wire
    ok = True
    for name, want in case.expected.items():
        have = got.get(name)
        if isinstance(want, dict):
            ok &= isinstance(have, dict) and all(_same(have.get(k), v) for k, v in want.items())
        else:
            ok &= _same(have, want)
    return ok, repr({n: got.get(n) for n in case.expected})
