"""Narrowing: which optional facts and decisions a condition proves present. A name read where
its presence is proved (`when x is present then ... x ...`, `x is present and x > 1`,
`x is absent or x > 1`, `x is present implies x > 1`, `if x is present then x else 0`,
`not (x is absent)`, and through a `let` condition with such a formula) needs no test of its own.
"""

from __future__ import annotations

from ruleproof.checker import ast


def present_when(expr: ast.Expr, truth: bool, lets: dict[str, ast.Expr],
                 seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names certainly present when `expr` evaluates to `truth`; a `let` condition narrows like
    its formula.

    >>> x, y = ast.Name("x", span=None), ast.Name("y", span=None)
    >>> test = ast.Binary("or", ast.Test("absent", x, span=None), ast.Test("absent", y, span=None), span=None)
    >>> sorted(present_when(test, False, {})), sorted(present_when(test, True, {}))
    (['x', 'y'], [])
    """
    if isinstance(expr, ast.Test) and isinstance(expr.operand, ast.Name) and expr.op == ("present" if truth else "absent"):
        return frozenset({expr.operand.name})
    if isinstance(expr, ast.Binary) and expr.op in ("and", "or"):
        left = present_when(expr.left, truth, lets, seen)
        right = present_when(expr.right, truth, lets, seen)
        # Both sides hold when `and` is true or `or` is false; otherwise either may be the one.
        return left | right if (expr.op == "and") == truth else left & right
    if isinstance(expr, ast.Unary) and expr.op == "not":
        return present_when(expr.operand, not truth, lets, seen)
    if isinstance(expr, ast.Name) and expr.name in lets and expr.name not in seen:
        return present_when(lets[expr.name], truth, lets, seen | {expr.name})
    return frozenset()
