"""The primitives a target supplies so that the generic parts of the semantics can be built
in it: Python source text for the evaluator, Z3 terms for the encoder, SQL expressions later.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

T = TypeVar("T")


class BooleanAlgebra(Protocol[T]):
    """Boolean connectives over a target's terms, and a way to name a term used many times."""

    def and_(self, *terms: T) -> T:
        """True when every term is (true for no terms)."""
        ...

    def or_(self, *terms: T) -> T:
        """True when some term is (false for no terms)."""
        ...

    def not_(self, term: T) -> T: ...

    def share(self, term: T, hint: str) -> T:
        """The term, bound once so that using it many times costs no copy (a local variable in
        generated code; the term itself where terms are shared already)."""
        ...


class NumberAlgebra(BooleanAlgebra[T], Protocol[T]):
    """Numbers besides the connectives: what an aggregating hit policy is built from."""

    def number(self, n: int) -> T:
        """The integer constant `n`."""
        ...

    def add(self, a: T, b: T) -> T: ...

    def less(self, a: T, b: T) -> T: ...

    def ite(self, cond: T, a: T, b: T) -> T:
        """`a` where `cond` holds, else `b` (only the chosen branch is read)."""
        ...
