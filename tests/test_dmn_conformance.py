"""The DMN TCK's supported decision-table tests, re-expressed as our own models
(tests/dmn/tck_models.py, each citing its TCK test id), imported and decided case by case; and
the outcome under the checks: every model imports to a pack the front end accepts."""

from __future__ import annotations

import pytest
from ruleproof.checker.dmn import import_text
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_texts

try:
    from tests.dmn.build import dmn_xml
    from tests.dmn.conformance import run_case
    from tests.dmn.tck_models import TCK
except ImportError:  # pytest run without the repository root on sys.path
    from dmn.build import dmn_xml
    from dmn.conformance import run_case
    from dmn.tck_models import TCK


@pytest.mark.parametrize("test_id", sorted(TCK))
def test_tck_cases_decide_as_expected(test_id) -> None:
    model, cases = TCK[test_id]
    imported = import_text(dmn_xml(model), f"{test_id}.dmn")
    assert imported.text is not None, [d.message for d in imported.diagnostics]
    loaded = load_texts({imported.pack_path: imported.text})
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    compiled = CompiledPack(loaded.pack)
    for case in cases:
        ok, got = run_case(imported, case, compiled)
        assert ok, (test_id, case.id, got, case.expected)
