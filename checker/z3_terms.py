"""Building Z3 terms without the Python API's per-call overhead.

`z3.And`, `z3.Or`, `z3.If` and `==` coerce and check every argument in Python (each asks Z3
for its sort, builds a sort object and compares), which costs ten times more than making the
term. The encoder builds tens of thousands of terms whose sorts are already right by
construction, so it goes to the C API directly here; an argument that is not a Z3 term of the
expected kind takes the checked path. The terms are the very ones the Python API makes (so
the solver's answers, and the counterexamples, do not change).

>>> p, q = z3.Bools("p q")
>>> conjunction([p, q]), disjunction([]), negation(p)
(And(p, q), False, Not(p))
>>> why = z3.Int("why")
>>> equals_code(why, 0), differs_from_code(why, 0), choice(p, z3.IntVal(1), z3.IntVal(2))
(why == 0, why != 0, If(p, 1, 2))
>>> conjunction([p]).eq(z3.And(p)), choice(p, why, z3.IntVal(0)).eq(z3.If(p, why, 0))
(True, True)
>>> integer_choice(p, 3, why).eq(z3.If(p, 3, why)), integer_choice(p, 1, 2).eq(z3.If(p, 1, 2))
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import z3
from ruleproof.checker.semantics.operators import COMPARE, CompareOp
from z3 import z3core

_TRUE, _FALSE = z3.BoolVal(True), z3.BoolVal(False)
_CODES: dict[int, z3.IntNumRef] = {}


def _sort(term: z3.ExprRef):
    return z3core.Z3_get_sort(term.ctx.ref(), term.as_ast())


def _connective(make, checked, empty: z3.BoolRef, terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """`make` (Z3_mk_and or Z3_mk_or) over `terms`; `checked` when a term is not boolean."""
    if not terms:
        return empty
    if not all(isinstance(t, z3.BoolRef) for t in terms):
        return checked(*terms)
    ctx = terms[0].ctx
    array = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
    return z3.BoolRef(make(ctx.ref(), len(terms), array), ctx)


def conjunction(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """The conjunction of `terms` (True when there are none)."""
    return _connective(z3core.Z3_mk_and, z3.And, _TRUE, terms)


def disjunction(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """The disjunction of `terms` (False when there are none)."""
    return _connective(z3core.Z3_mk_or, z3.Or, _FALSE, terms)


def negation(term: z3.BoolRef) -> z3.BoolRef:
    """Not `term`."""
    if not isinstance(term, z3.BoolRef):
        return z3.Not(term)
    return z3.BoolRef(z3core.Z3_mk_not(term.ctx.ref(), term.as_ast()), term.ctx)


def choice(condition: z3.BoolRef, then: z3.ExprRef, otherwise: z3.ExprRef) -> z3.ExprRef:
    """If `condition` then `then` else `otherwise`; the checked path unless both branches are
    terms of one sort."""
    if (not isinstance(condition, z3.BoolRef) or not isinstance(then, z3.ExprRef)
            or not isinstance(otherwise, z3.ExprRef)
            or not z3core.Z3_is_eq_sort(then.ctx.ref(), _sort(then), _sort(otherwise))):
        return z3.If(condition, then, otherwise)
    ctx = condition.ctx
    return z3.z3._to_expr_ref(z3core.Z3_mk_ite(ctx.ref(), condition.as_ast(), then.as_ast(), otherwise.as_ast()), ctx)


def _code(code: int) -> z3.IntNumRef:
    constant = _CODES.get(code)
    if constant is None:
        constant = _CODES[code] = z3.IntVal(code)
    return constant


def integer_choice(condition: z3.BoolRef, then: z3.ArithRef | int, otherwise: z3.ArithRef | int) -> z3.ArithRef:
    """`z3.If(condition, then, otherwise)` for arithmetic branches, either of which may be a
    Python int (an Int numeral, made once per value): the same term (Z3 makes an Int branch
    real beside a Real one, as z3.If does), without z3.If's coercions in Python; anything else
    takes the checked path."""
    a = _code(then) if type(then) is int else then
    b = _code(otherwise) if type(otherwise) is int else otherwise
    if not isinstance(condition, z3.BoolRef) or not isinstance(a, z3.ArithRef) or not isinstance(b, z3.ArithRef):
        return z3.If(condition, then, otherwise)
    ctx = condition.ctx
    return z3.ArithRef(z3core.Z3_mk_ite(ctx.ref(), condition.as_ast(), a.as_ast(), b.as_ast()), ctx)


def at_least(term: z3.ArithRef, bound: int) -> z3.BoolRef:
    """`term >= bound` for an integer term and a Python int (an Int numeral, made once per value)."""
    if type(bound) is not int or not _is_int(term):
        return term >= bound
    return ordering(CompareOp.GE, term, _code(bound))


def _is_int(term: object) -> bool:
    return isinstance(term, z3.ArithRef) and z3core.Z3_get_sort_kind(term.ctx.ref(), _sort(term)) == z3.Z3_INT_SORT


_ORDERING = {CompareOp.LT: z3core.Z3_mk_lt, CompareOp.LE: z3core.Z3_mk_le, CompareOp.GT: z3core.Z3_mk_gt,
             CompareOp.GE: z3core.Z3_mk_ge}


def ordering(op: CompareOp, a: z3.ArithRef, b: z3.ArithRef) -> z3.BoolRef:
    """`COMPARE[op](a, b)` for two terms of one arithmetic sort (the caller knows: both of integer
    kinds, or both exact); `==`, `!=` and anything else take the checked path."""
    make = _ORDERING.get(op)
    if make is None or not isinstance(a, z3.ArithRef) or not isinstance(b, z3.ArithRef) or a.ctx is not b.ctx:
        return COMPARE[op](a, b)
    return z3.BoolRef(make(a.ctx.ref(), a.as_ast(), b.as_ast()), a.ctx)


def equals_code(term: z3.ArithRef, code: int) -> z3.BoolRef:
    """`term == code` for an integer term and a small constant (a cause's code)."""
    constant = _code(code)
    if not _is_int(term):
        return term == constant
    return z3.BoolRef(z3core.Z3_mk_eq(term.ctx.ref(), term.as_ast(), constant.as_ast()), term.ctx)


def differs_from_code(term: z3.ArithRef, code: int) -> z3.BoolRef:
    """`term != code` for an integer term and a small constant."""
    constant = _code(code)
    if not _is_int(term):
        return term != constant
    array = (z3.Ast * 2)(term.as_ast(), constant.as_ast())
    return z3.BoolRef(z3core.Z3_mk_distinct(term.ctx.ref(), 2, array), term.ctx)


def assert_all(solver: z3.Solver, terms: Sequence[z3.BoolRef]) -> None:
    """`solver.add(*terms)`, each boolean term asserted as it is."""
    ctx = solver.ctx.ref()
    for term in terms:
        if isinstance(term, z3.BoolRef):
            z3core.Z3_solver_assert(ctx, solver.solver, term.as_ast())
        else:
            solver.add(term)
