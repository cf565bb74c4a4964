"""Formal checks, one module per check, each stated as "these constraints are unsatisfiable
iff the property holds" on the shared encoder (checker/encode.py).

Every finding carries a concrete counterexample (wire facts) and a readable timeline; the
tests replay each one in the evaluator. A solver that gives up yields W613, never "ok".

Besides the checks: `context` (what every check shares: the encoding, scoped solvers, the
memo, `finding`), `runner` (the catalogue, run item by item or over several processes) and
`acceptances` (findings a pack declares intended).
"""

from ruleproof.checker.checks.context import CheckContext
from ruleproof.checker.checks.runner import PARALLEL_MIN_RULES, CheckReport, run_checks

__all__ = ["PARALLEL_MIN_RULES", "CheckContext", "CheckReport", "run_checks"]
