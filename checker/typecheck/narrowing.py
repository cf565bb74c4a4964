"""Narrowing: which optional facts and decisions a condition proves present. A name read where
its presence is proved (`when x is present then ... x ...`, `x is present and x > 1`,
`x is absent or x > 1`, `x is present implies x > 1`, `if x is present then x else 0`,
`not (x is absent)`, and through a `let` condition with such a formula) needs no test of its own.
"""

from __future__ import annotations

from ruleproof.checker import ast


def present_if_true(expr: ast.Expr, lets: dict[str, ast.Expr], seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names certainly present when `expr` is true; a `let` condition narrows like its formula.

    >>> x = ast.Name("x", span=None)
    >>> sorted(present_if_true(ast.Test("present", x, span=None), {}))
    ['x']
    """
    if isinstance(expr, ast.Test) and expr.op == "present" and isinstance(expr.operand, ast.Name):
        return frozenset({expr.operand.name})
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return present_if_true(expr.left, lets, seen) | present_if_true(expr.right, lets, seen)
    if isinstance(expr, ast.Binary) and expr.op == "or":
        return present_if_true(expr.left, lets, seen) & present_if_true(expr.right, lets, seen)
    if isinstance(expr, ast.Unary) and expr.op == "not":
        return present_if_false(expr.operand, lets, seen)
    if isinstance(expr, ast.Name) and expr.name in lets and expr.name not in seen:
        return present_if_true(lets[expr.name], lets, seen | {expr.name})
    return frozenset()


def present_if_false(expr: ast.Expr, lets: dict[str, ast.Expr], seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """Names certainly present when `expr` is false."""
    if isinstance(expr, ast.Test) and expr.op == "absent" and isinstance(expr.operand, ast.Name):
        return frozenset({expr.operand.name})
    if isinstance(expr, ast.Binary) and expr.op == "or":
        return present_if_false(expr.left, lets, seen) | present_if_false(expr.right, lets, seen)
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return present_if_false(expr.left, lets, seen) & present_if_false(expr.right, lets, seen)
    if isinstance(expr, ast.Unary) and expr.op == "not":
        return present_if_true(expr.operand, lets, seen)
    if isinstance(expr, ast.Name) and expr.name in lets and expr.name not in seen:
        return present_if_false(lets[expr.name], lets, seen | {expr.name})
    return frozenset()

