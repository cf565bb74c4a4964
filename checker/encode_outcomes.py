"""The Z3 encoding's outcome terms: cause terms combined in the evaluation order, the
decision symbol (value, definedness, selection, cause), the boolean algebra the hit policies
are built over, and the comparisons of two outcomes."""

from __future__ import annotations

from collections.abc import Callable

import z3
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.z3_terms import choice, conjunction, differs_from_code, disjunction, equals_code, negation

NONE = z3.IntVal(0)


def outcomes_differ(a: DecisionSym, b: DecisionSym) -> z3.BoolRef:
    """The condition that two encodings of a decision decide a case differently: another cause,
    or both determined with another value (or a value on one side only)."""
    why_a, why_b = a.why if a.why is not None else NONE, b.why if b.why is not None else NONE
    if isinstance(a.value, tuple):
        values_differ = z3.Or(*[x != y for x, y in zip(a.value, b.value)])
    else:
        values_differ = a.value != b.value
    return z3.Or(why_a != why_b, z3.And(why_a == 0, z3.Or(a.defined != b.defined, z3.And(a.defined, values_differ))))


def first_cause(*whys: z3.ArithRef | None) -> z3.ArithRef | None:
    """The cause of the first undetermined part, parts taken in evaluation order."""
    parts = [w for w in whys if w is not None]
    if not parts:
        return None
    result = parts[-1]
    for w in reversed(parts[:-1]):
        result = choice(differs_from_code(w, 0), w, result)
    return result


def cause_if(condition: z3.BoolRef, why: z3.ArithRef | None) -> z3.ArithRef | None:
    """`why` where `condition` holds (a part evaluated only then), else no cause."""
    return None if why is None else choice(condition, why, NONE)


def determined(why: z3.ArithRef | None) -> z3.BoolRef:
    """The condition that a cause term says "determined"."""
    return z3.BoolVal(True) if why is None else equals_code(why, 0)


class Z3Algebra:
    """`semantics.algebra.BooleanAlgebra` over Z3 terms (shared already: `share` is identity)."""

    def and_(self, *terms):
        return conjunction(terms)

    def or_(self, *terms):
        return disjunction(terms)

    def not_(self, term):
        return negation(term)

    def share(self, term, hint: str):
        return term

    # `semantics.algebra.NumberAlgebra`
    def number(self, n: int):
        return z3.IntVal(n)

    def add(self, a, b):
        return a + b

    def less(self, a, b):
        return a < b

    def ite(self, cond, a, b):
        return z3.If(cond, a, b)


Z3 = Z3Algebra()


class DecisionSym:
    """A decision's value, whether it has one (`defined`), which rules the hit policy selects,
    and its cause term (`why`, built on first use: only readers of the decision and a few
    checks need it)."""

    __slots__ = ("value", "defined", "selected", "settled", "_why", "_build_why", "_always_settled")

    def __init__(self, value: object, defined: z3.BoolRef, selected: tuple, settled: z3.BoolRef,
                 why: Callable[[], z3.ArithRef | None]):
        self.value = value
        self.defined = defined
        self.selected = selected
        self.settled = settled  # every condition, and every selected rule's conclusion, determined
        self._why, self._build_why = None, why
        self._always_settled: bool | None = None

    @property
    def always_settled(self) -> bool:
        """Whether `settled` simplifies to true: nothing in the decision can be undetermined
        (simplified once, however many rules ask)."""
        if self._always_settled is None:
            self._always_settled = z3.is_true(z3.simplify(self.settled))
        return self._always_settled

    @property
    def why(self) -> z3.ArithRef | None:
        if self._build_why is not None:
            self._why, self._build_why = self._build_why(), None
        return self._why

    def is_(self, cause: Cause) -> z3.BoolRef:
        """The condition that the decision is undetermined for `cause`."""
        why = self.why
        return z3.BoolVal(False) if why is None else equals_code(why, cause.code)

    @property
    def has_value(self) -> z3.BoolRef:
        """Determined and defined: the decision has a value."""
        return conjunction([determined(self.why), self.defined])


def distinct(a, b) -> z3.BoolRef:
    """The condition that two values (sets: member by member) differ."""
    if isinstance(a, tuple):
        return z3.Or(*[x != y for x, y in zip(a, b)])
    return a != b
