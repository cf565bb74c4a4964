"""Part of stage 1: the AST built from what the parser recognises. One method per grammar rule
or `-> alias` of grammar/ruleproof.lark (those names are the contract with the grammar); the
parser (checker/parse.py) calls each with the span of the rule's text and its children, and
the method returns an AST node: declarations.py for declarations, expressions.py for
expressions and literals, base.py for what they share.

Literals that parse but are invalid (a day that does not exist, a number too large, an empty
integer range) are reported here and do not stop the parse.
"""

from __future__ import annotations

from ruleproof.checker.to_ast.base import MAX_DIGITS, MAX_INT, building
from ruleproof.checker.to_ast.declarations import Declarations
from ruleproof.checker.to_ast.expressions import Expressions

__all__ = ["MAX_DIGITS", "MAX_INT", "TO_AST", "building"]


class _ToAst(Declarations, Expressions):
    """Every rule's method (they keep no state of their own)."""


#: the one builder the parser calls into
TO_AST = _ToAst()
