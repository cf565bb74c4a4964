"""The one solver factory and the three-valued verdict every check returns.

Every solver has fixed seeds, a wall-clock timeout and an rlimit (which stops at the same
point on every machine). `unknown` is its own verdict with Z3's reason, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3
from ruleproof.checker.z3_terms import assert_all

DEFAULT_TIMEOUT_MS = 10_000
DEFAULT_RLIMIT = 50_000_000


def make_solver(timeout_ms: int = DEFAULT_TIMEOUT_MS, rlimit: int = DEFAULT_RLIMIT) -> z3.Solver:
    """A fresh solver with fixed seeds and both limits set."""
    z3.set_param("smt.random_seed", 0)
    z3.set_param("sat.random_seed", 0)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.set("rlimit", rlimit)
    solver.set("random_seed", 0)
    return solver


@dataclass(frozen=True)
class Verdict:
    """proved (the constraints are unsatisfiable), refuted (a model), or unknown (with the reason)."""

    status: str  # proved | refuted | unknown
    model: z3.ModelRef | None = None
    reason: str | None = None

    @property
    def proved(self) -> bool:
        return self.status == "proved"

    @property
    def refuted(self) -> bool:
        return self.status == "refuted"


def check(solver: z3.Solver, *constraints: z3.BoolRef, model: bool = True) -> Verdict:
    """Are `constraints` (with what the solver holds) unsatisfiable? Uses push/pop, so the
    solver is reusable afterwards. With `model=False` a refuted verdict carries no model
    (reading one out costs about as much as a small query)."""
    solver.push()
    try:
        assert_all(solver, constraints)
        result = solver.check()
        if result == z3.unsat:
            return Verdict("proved")
        if result == z3.sat:
            return Verdict("refuted", solver.model() if model else None)
        return Verdict("unknown", reason=solver.reason_unknown() or "unknown")
    finally:
        solver.pop()
