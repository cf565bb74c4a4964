"""An exhaustive-enumeration oracle for the formal checks, `when` and `decide --partial`.

Small packs over finite domains (`packs.py`, their conditions and values from `exprs.py`) are
decided case by case with the evaluator (`oracle.py`); the expected findings are derived from
their definitions (`expected.py`) and compared with the checks' verdicts and counterexamples
(`compare_checks.py`), and `--partial` and `when` with the cases (`compare_questions.py`);
`report.py` words each disagreement, `run.py` puts one pack through all of it.
tests/test_bruteforce.py runs a fixed set of seeds; bench/bruteforce.py runs many more.
"""
