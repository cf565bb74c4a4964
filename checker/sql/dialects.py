"""The compiled query in each SQL dialect, and what a dialect cannot express exactly.

One sqlglot tree (`compile.compile_query`) is written out for DuckDB, Spark SQL and
PostgreSQL. Where a dialect would change a meaning the query is refused, naming the
construct's place in the pack (file:line:col, the line and a caret) — never approximated:

PostgreSQL's layers are fenced (`OFFSET 0`) so that its planner keeps them apart.

- Spark SQL: date-times. Spark reads a TIMESTAMP in the session's time zone and sqlglot
  writes adding minutes to one as adding days, so a date-time fact or decision is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from ruleproof.checker import ir
from ruleproof.checker.semantics.kinds import Kind
from ruleproof.checker.source import Span
from ruleproof.checker.sql.compile import compile_query
from sqlglot import exp

DIALECTS = ("duckdb", "spark", "postgres")


class UnsupportedConstruct(Exception):
    """A construct the dialect cannot express exactly, at `span`."""

    def __init__(self, dialect: str, what: str, span: Span | None):
        self.dialect, self.what, self.span = dialect, what, span
        super().__init__(located(span, f"{dialect}: {what}"))


def located(span: Span | None, message: str) -> str:
    """`file:line:col: message`, the source line and a caret under the construct."""
    if span is None:
        return message
    text = span.source.text.splitlines()[span.line - 1] if span.source.text else ""
    return f"{span}: {message}\n  {text}\n  {' ' * (span.column - 1)}^"


def refusals(pack: ir.Pack, names: Sequence[str] | None, dialect: str) -> list[UnsupportedConstruct]:
    """What `dialect` cannot express among the facts and decisions `names` reads."""
    if dialect != "spark":
        return []
    wanted = set(names) if names is not None else set(pack.decision_order)
    facts = ir.fact_dependencies(pack)
    out = []
    for name in pack.decision_order:
        if name not in wanted:
            continue
        if pack.decisions[name].type.kind == Kind.DATETIME:
            out.append(UnsupportedConstruct(dialect, f"decision `{name}` is a date-time (time-zone dependent in Spark)",
                                            pack.decisions[name].span))
        for fact in sorted(facts[name]):
            if pack.facts[fact].type.kind == Kind.DATETIME:
                out.append(UnsupportedConstruct(dialect, f"fact `{fact}` is a date-time (time-zone dependent in Spark), read by `{name}`",
                                                pack.facts[fact].span))
    return out


def text(query: exp.Select, dialect: str, pretty: bool = False) -> str:
    """The query in `dialect`. For PostgreSQL each layer is fenced with `OFFSET 0`: its planner
    would pull the layers up into one projection and copy every shared column's expression
    into each reader (exponentially many copies, failing for want of memory)."""
    if dialect == "postgres":
        query = query.copy()
        for sub in query.find_all(exp.Subquery):
            if isinstance(sub.this, exp.Select):
                sub.this.set("offset", exp.Offset(expression=exp.Literal.number(0)))
    return query.sql(dialect, pretty=pretty)


def emit(pack: ir.Pack, names: Sequence[str] | None, dialect: str, source: str = "cases") -> str:
    """The query deciding `names` (all if None) over table `source`, in `dialect`; raises
    UnsupportedConstruct (the first refusal) when the dialect cannot express it exactly."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect}: one of {', '.join(DIALECTS)}")
    refused = refusals(pack, names, dialect)
    if refused:
        raise refused[0]
    return text(compile_query(pack, names, source), dialect, pretty=True)
