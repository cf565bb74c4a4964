"""Folding the SQL terms the compiler builds, so the engine computes what a row needs and no more.

The compiler writes every term in one general shape (a cause beside each value, each verdict
read through `COALESCE(…, FALSE)`); most of those parts are constants or redundant for a given
pack. `simplify` rewrites a term bottom-up by identities that hold in SQL's three-valued logic:

- `TRUE AND x` is `x`, `FALSE AND x` is `FALSE`, `FALSE OR x` is `x`, `TRUE OR x` is `TRUE`;
  `NOT` of a constant is a constant, `NOT NOT x` is `x`; `0 = 0`, `2 <> 0` and the like between integer literals
  are constants;
- `COALESCE(x, …)` is `x` when `x` is never NULL (`Nullability`);
- a CASE condition is read as "holds" (NULL and FALSE both fall through), so `COALESCE(c,
  FALSE)` there is `c`; a branch whose condition is FALSE is dropped, one whose condition is
  TRUE ends the CASE; a last branch equal to the ELSE is dropped; a CASE with no branch is its
  ELSE; `CASE WHEN c1 THEN TRUE WHEN c2 THEN TRUE ELSE FALSE END` is `COALESCE(c1, FALSE) OR
  COALESCE(c2, FALSE)`; `CASE WHEN w <> 0 THEN w ELSE 0 END` is `w`;
- the compiler's first cause, `CASE WHEN a <> 0 THEN a … ELSE z END` (never NULL), is 0
  exactly when every part is: `= 0` of it is `a = 0 AND … AND z = 0` (`<> 0`: OR of `<> 0`);
- a CASE of literals compared (`=`, `<>`) with a literal is the CASE of the comparisons' results.

No rewrite changes a value for any row, NULLs included (tests/test_differential.py compares
every decision and cause with the evaluator's).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

ATOMS = (exp.Column, exp.Literal, exp.Boolean, exp.Null, exp.Paren)
_COMPARE = {exp.EQ: lambda a, b: a == b, exp.NEQ: lambda a, b: a != b, exp.LT: lambda a, b: a < b,
            exp.LTE: lambda a, b: a <= b, exp.GT: lambda a, b: a > b, exp.GTE: lambda a, b: a >= b}
_STRICT = (exp.Not, exp.Paren, exp.Neg, exp.Cast, exp.And, exp.Or, exp.Add, exp.Sub, exp.Mul, exp.IntDiv,
           *_COMPARE)  # NULL only when an operand is NULL (sufficient: no operand NULL, never NULL)


class Nullability:
    """Which terms are never NULL: constants, `IS NULL` tests, COALESCE with a non-NULL part,
    CASE with non-NULL branches and ELSE, operators over non-NULL operands, and the columns
    `columns` says are."""

    def __init__(self, columns: Callable[[exp.Column], bool]):
        self.columns = columns

    def never_null(self, e: exp.Expression) -> bool:
        """`e` is not NULL for any row."""
        if isinstance(e, (exp.Literal, exp.Boolean, exp.Is)):
            return True
        if isinstance(e, exp.Column):
            return not e.table and self.columns(e)
        if isinstance(e, exp.Coalesce):
            return any(self.never_null(p) for p in [e.this, *e.expressions])
        if isinstance(e, exp.Case):
            default = e.args.get("default")
            return (default is not None and self.never_null(default)
                    and all(self.never_null(branch.args["true"]) for branch in e.args.get("ifs") or []))
        if isinstance(e, _STRICT):
            return all(self.never_null(child) for child in e.iter_expressions())
        return False


def integers(e: exp.Expression, columns: Callable[[str], frozenset[int] | None]) -> frozenset[int] | None:
    """The integers `e` can be when it is built of integer literals, CASEs over them and the
    bound columns `columns` knows (a cause term's possible causes); None: any value."""
    if isinstance(e, exp.Paren):
        return integers(e.this, columns)
    if isinstance(e, exp.Column):
        return None if e.table else columns(e.name)
    value = _int(e)
    if value is not None:
        return frozenset([value])
    if not isinstance(e, exp.Case) or e.this is not None or e.args.get("default") is None:
        return None
    found: frozenset[int] = frozenset()
    for part in [*(branch.args["true"] for branch in e.args.get("ifs") or []), e.args["default"]]:
        more = integers(part, columns)
        if more is None:
            return None
        found |= more
    return found


def _bool(value: bool) -> exp.Boolean:
    return exp.true() if value else exp.false()


def _int(e: exp.Expression) -> int | None:
    """The value of an integer literal (also `CAST(n AS BIGINT)`, `-n`), else None."""
    if isinstance(e, exp.Paren):
        return _int(e.this)
    if isinstance(e, exp.Cast) and e.to.this in (exp.DataType.Type.BIGINT, exp.DataType.Type.INT):
        return _int(e.this)
    if isinstance(e, exp.Neg):
        inner = _int(e.this)
        return None if inner is None else -inner
    if isinstance(e, exp.Literal) and e.is_int:
        return int(e.this)
    return None


def _first_nonzero(e: exp.Expression, nulls: Nullability) -> list[exp.Expression] | None:
    """The parts of a never-NULL `CASE WHEN a <> 0 THEN a WHEN b <> 0 THEN b ... ELSE z END`
    (the first nonzero part, the compiler's `first_cause`): [a, b, ..., z]; else None."""
    e = e.this if isinstance(e, exp.Paren) else e
    if not isinstance(e, exp.Case) or e.this is not None or not nulls.never_null(e):
        return None
    parts = []
    for branch in e.args.get("ifs") or []:
        test, value = branch.this, branch.args["true"]
        if not (isinstance(test, exp.NEQ) and _int(test.expression) == 0 and test.this == value):
            return None
        parts.append(value)
    return parts + [e.args["default"]]


def _test_constants(e: exp.Expression, constant: exp.Literal, equal: bool) -> exp.Case | None:
    """`CASE … THEN k1 … ELSE kn END = constant` with literal k's as a CASE of TRUE/FALSE."""
    e = e.this if isinstance(e, exp.Paren) else e
    if not isinstance(e, exp.Case) or e.this is not None or e.args.get("default") is None:
        return None
    values = [branch.args["true"] for branch in e.args.get("ifs") or []] + [e.args["default"]]
    if not constant.is_string or not all(isinstance(v, exp.Literal) and v.is_string for v in values):
        return None
    results = [_bool((v.this == constant.this) == equal) for v in values]
    node = exp.Case(ifs=[exp.If(this=branch.this, true=r) for branch, r in zip(e.args["ifs"], results)])
    return node.else_(results[-1], copy=False)


def _holds(e: exp.Expression) -> exp.Expression:
    """A CASE condition without the COALESCE(…, FALSE) that a CASE condition does not need."""
    while True:
        if isinstance(e, exp.Paren):
            e = e.this
        elif isinstance(e, exp.Coalesce) and len(e.expressions) == 1 and e.expressions[0] == exp.false():
            e = e.this
        else:
            return e


def simplify(e: exp.Expression, nulls: Nullability) -> exp.Expression:
    """`e` with the identities of this module applied, children first (`e` is consumed)."""
    for key, value in list(e.args.items()):
        if isinstance(value, exp.Expression):
            e.set(key, simplify(value, nulls))
        elif isinstance(value, list):
            e.set(key, [simplify(v, nulls) if isinstance(v, exp.Expression) else v for v in value])
    return _fold(e, nulls)


def _fold(e: exp.Expression, nulls: Nullability) -> exp.Expression:
    if isinstance(e, exp.Paren):
        return e.this if isinstance(e.this, ATOMS) else e
    if isinstance(e, exp.Not):
        inner = e.this.this if isinstance(e.this, exp.Paren) else e.this
        if isinstance(inner, exp.Boolean):
            return _bool(not inner.this)
        if isinstance(inner, exp.Not):  # NOT NOT x is x, NULL included
            return inner.this
        return e
    if isinstance(e, (exp.And, exp.Or)):
        unit, zero = (exp.true(), exp.false()) if isinstance(e, exp.And) else (exp.false(), exp.true())
        left, right = e.this, e.expression
        if left == zero or right == zero:
            return zero
        if left == unit:
            return right
        return left if right == unit else e
    if type(e) in _COMPARE:
        a, b = _int(e.this), _int(e.expression)
        if a is not None and b is not None:
            return _bool(_COMPARE[type(e)](a, b))
        if isinstance(e, (exp.EQ, exp.NEQ)) and isinstance(e.expression, exp.Literal):
            tested = _test_constants(e.this, e.expression, isinstance(e, exp.EQ))
            if tested is not None:
                return _fold_case(tested, nulls)
        parts = _first_nonzero(e.this, nulls) if b == 0 and isinstance(e, (exp.EQ, exp.NEQ)) else None
        if parts is None:
            return e
        test, join = (exp.EQ, exp.and_) if isinstance(e, exp.EQ) else (exp.NEQ, exp.or_)
        return simplify(join(*(test(this=p, expression=exp.Literal.number(0)) for p in parts), copy=False), nulls)
    if isinstance(e, exp.Coalesce):
        parts = [p for p in [e.this, *e.expressions] if not isinstance(p, exp.Null)]
        for i, part in enumerate(parts):
            if nulls.never_null(part):
                parts = parts[: i + 1]
                break
        if not parts:
            return exp.Null()
        if len(parts) == 1:
            return parts[0]
        return exp.Coalesce(this=parts[0], expressions=parts[1:])
    if isinstance(e, exp.Case) and e.this is None:
        return _fold_case(e, nulls)
    return e


def _fold_case(e: exp.Case, nulls: Nullability) -> exp.Expression:
    default = e.args.get("default") or exp.Null()
    branches: list[tuple[exp.Expression, exp.Expression]] = []
    for branch in e.args.get("ifs") or []:
        condition = _holds(branch.this)
        if condition == exp.false() or isinstance(condition, exp.Null):
            continue
        if condition == exp.true():
            default = branch.args["true"]
            break
        branches.append((condition, branch.args["true"]))
    while branches and branches[-1][1] == default:
        branches.pop()
    if not branches:
        return default
    if default == exp.false() and all(value == exp.true() for _, value in branches):
        return exp.or_(*(c if nulls.never_null(c) else exp.Coalesce(this=c, expressions=[exp.false()])
                         for c, _ in branches), copy=False)
    if len(branches) == 1:
        condition, value = branches[0]
        if (isinstance(condition, exp.NEQ) and _int(condition.expression) == 0 and condition.this == value
                and _int(default) == 0):
            return value
    node = exp.Case(ifs=[exp.If(this=c, true=v) for c, v in branches])
    return node.else_(default, copy=False) if not isinstance(default, exp.Null) else node
