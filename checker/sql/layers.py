"""The query's shape: bound terms as columns of projection layers over the table of cases.

The compiler binds a term (`Layers.bind`) wherever the semantics shares it; when the query is
written (`Layers.query`) only what the outputs need is kept, flattened as far as it can be:

- every term is folded (`simplify.simplify`) as it is bound, so a constant or a redundant part
  costs nothing and a term that folds to a column or a constant is no column of its own; a
  term bound again (the same expression) is the column bound first;
- a column no output reads (directly or through other columns) is dropped;
- a column read once is written into its reader instead (no expression is copied: it has one
  reader), so a decision's terms are as few flat expressions as its sharing allows;
- each column left lands in the first layer after every column it reads (`SELECT passed-on
  columns, new columns FROM (the layer below)`), and a layer passes on only the columns a later
  layer or the outputs read.
"""

from __future__ import annotations

from collections import Counter

from ruleproof.checker.sql.simplify import ATOMS, Nullability, integers, simplify
from sqlglot import exp


class Layers:
    """Columns computed in dependency order over the table of cases (a column's level: 1 +
    the highest level of the columns it reads; the table's own columns are level 0)."""

    def __init__(self, prefix: str = "_rp", never_null: frozenset[str] = frozenset()):
        """`never_null`: the columns of the table of cases that hold no NULL."""
        self.prefix = prefix
        self.columns: list[tuple[str, exp.Expression]] = []
        self.sources = never_null
        self.never_null: set[str] = set()
        self.codes: dict[str, frozenset[int]] = {}
        self.named: dict[exp.Expression, exp.Column] = {}  # a term bound twice is one column
        self.nulls = Nullability(self._never_null)

    def _never_null(self, column: exp.Column) -> bool:
        """A column of the cases (quoted, a fact's name) or a bound column holds no NULL."""
        return column.name in (self.sources if column.this.quoted else self.never_null)

    def fold(self, term: exp.Expression) -> exp.Expression:
        """`term` simplified (a copy: the caller's term is left as it is)."""
        return simplify(term.copy(), self.nulls)

    def bind(self, term: exp.Expression, hint: str) -> exp.Expression:
        """A column holding `term` (the folded term itself when it is a column or a constant)."""
        term = self.fold(term)
        if isinstance(term, (exp.Column, exp.Literal, exp.Boolean, exp.Null)):
            return term
        if isinstance(term, (exp.Neg, exp.Cast)) and isinstance(term.this, exp.Literal):
            return term
        known = self.named.get(term)
        if known is not None:
            return known.copy()
        name = f"{self.prefix}{len(self.columns)}_{hint}"
        self.named[term] = exp.column(name)
        if self.nulls.never_null(term):
            self.never_null.add(name)
        codes = self.integers(term)
        if codes is not None:
            self.codes[name] = codes
        self.columns.append((name, term))
        return exp.column(name)

    def integers(self, term: exp.Expression) -> frozenset[int] | None:
        """The integers a term of literals, CASEs and bound columns can be (None: any)."""
        return integers(term, self.codes.get)

    def query(self, source: exp.Expression, outputs: list[tuple[str, exp.Expression]]) -> exp.Select:
        """SELECT outputs FROM the layers over `source` (a table or subquery of cases)."""
        outputs = [(n, self.fold(t)) for n, t in outputs]
        kept, outputs = self._flatten(outputs)
        level: dict[str, int] = {}
        by_level: dict[int, list[tuple[str, exp.Expression]]] = {}
        for name, term in kept:
            level[name] = 1 + max((level.get(c, 0) for c in _unqualified_columns([term])), default=0)
            by_level.setdefault(level[name], []).append((name, term))
        levels = sorted(by_level)
        # each layer passes on only the columns a later layer or the outputs read (not `*`: the
        # layers would pile up every column, past PostgreSQL's 1,664 per SELECT on large packs)
        carried: dict[int, list[exp.Column]] = {}
        wanted = _unqualified_columns(term for _, term in outputs)
        for lv in reversed(levels):
            defined = {name for name, _ in by_level[lv]}
            carried[lv] = [column for name, column in wanted.items() if name not in defined]
            wanted = {name: column for name, column in wanted.items() if name not in defined}
            wanted.update(_unqualified_columns(term for _, term in by_level[lv]))
        current: exp.Expression = source
        for lv in levels:
            select = exp.select(*(c.copy() for c in carried[lv]),
                                *(exp.alias_(t, n, quoted=False, copy=False) for n, t in by_level[lv]), copy=False)
            below = current.subquery(f"l{lv}", copy=False) if isinstance(current, exp.Select) else current
            current = select.from_(below, copy=False)
        final = exp.select(*(exp.alias_(t, n, quoted=True, copy=False) for n, t in outputs), copy=False)
        return final.from_(current.subquery("decided", copy=False) if isinstance(current, exp.Select) else current, copy=False)

    def _flatten(self, outputs: list[tuple[str, exp.Expression]]):
        """The columns the outputs need, each read once written into its reader: (kept
        columns in binding order, outputs), both with the inlined terms in place."""
        bound = dict(self.columns)
        uses: Counter = Counter()
        for _, term in outputs:
            uses.update(c for c in _column_reads(term) if c in bound)
        for name, term in reversed(self.columns):  # a column is read only by later ones
            if uses[name]:
                uses.update(c for c in _column_reads(term) if c in bound)
        inlined: dict[str, exp.Expression] = {}
        kept = []
        for name, term in self.columns:
            if not uses[name]:
                continue
            term = _substitute(term.copy(), inlined, self.nulls)
            if uses[name] == 1:
                inlined[name] = term
            else:
                kept.append((name, term))
        return kept, [(n, _substitute(t.copy(), inlined, self.nulls)) for n, t in outputs]


def _column_reads(term: exp.Expression) -> list[str]:
    """The names of the columns `term` reads, once per reading."""
    return [c.name for c in _columns(term)]


def _columns(term: exp.Expression):
    """The unqualified columns of `term`, not inside a subquery or a lambda (their columns are
    their own)."""
    stack = [term]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Column):
            if not node.table:
                yield node
        elif node is term or not isinstance(node, (exp.Select, exp.Subquery, exp.Lambda)):
            stack.extend(reversed(list(node.iter_expressions())))


def _substitute(term: exp.Expression, inlined: dict[str, exp.Expression], nulls: Nullability) -> exp.Expression:
    """`term` with each column of `inlined` replaced by its term (parenthesised), folded again."""
    targets = [c for c in _columns(term) if c.name in inlined]
    if not targets:
        return term
    if targets[0] is term:  # the term is the column itself
        return inlined[term.name]
    for column in targets:
        body = inlined[column.name]
        column.replace(body if isinstance(body, ATOMS) else exp.Paren(this=body))
    return simplify(term, nulls)


def _unqualified_columns(terms) -> dict[str, exp.Column]:
    """The columns `terms` read from the layer below (by name, in order of first reading)."""
    found: dict[str, exp.Column] = {}
    for term in terms:
        for column in _columns(term):
            found.setdefault(column.name, column)
    return found
