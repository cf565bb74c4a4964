"""An exhaustive-enumeration oracle for the formal checks, `when` and `decide --partial`.

Small packs over finite domains (`packs.py`, with `exprs.py` writing their conditions and values) are decided case by case with the evaluator
(`oracle.py`), the expected findings are derived from their definitions (`expected.py`), and the
checker's answers are compared with them (`compare.py`). tests/test_bruteforce.py runs a fixed
set of seeds; bench/bruteforce.py runs many more.
"""
