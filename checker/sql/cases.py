"""Tables of cases in and decisions out, as Arrow tables (what DuckDB and Spark read and write).

A case table has one column per fact, typed by the fact's kind (`fact_schema`); NULL means the
fact is absent. A decisions table has, per decision, its value column and `<name>__cause`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from ruleproof.checker import ir
from ruleproof.checker.semantics.kinds import DECIMALS, EXACT_KINDS, Kind
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.sql.compile import CAUSE_SUFFIX
from ruleproof.checker.types import Type
from ruleproof.checker.values import to_wire

if TYPE_CHECKING:  # pyarrow is imported where a table is made (Parquet to Parquet on DuckDB needs none)
    import pyarrow as pa

ROW = "_row"  # the case's place in its input, kept through the query


def arrow_type(typ: Type) -> pa.DataType:
    """The column type of a fact of type `typ`."""
    import pyarrow as pa

    kind = typ.kind
    if kind == Kind.BOOL:
        return pa.bool_()
    if kind in (Kind.INT, Kind.DURATION):
        return pa.int64()
    if kind == Kind.DATE:
        return pa.date32()
    if kind == Kind.DATETIME:
        return pa.timestamp("us")
    if kind in EXACT_KINDS:
        return pa.decimal128(38, DECIMALS[kind])
    if kind == Kind.SET:
        return pa.list_(pa.string())
    if kind == Kind.LIST:
        return pa.list_(pa.struct([pa.field(f.name, arrow_type(f.type)) for f in typ.element.fields]))
    return pa.string()


def duckdb_type(typ: Type) -> str:
    """The DuckDB column type of a fact of type `typ` (as `arrow_type`, spelled in SQL)."""
    kind = typ.kind
    if kind == Kind.BOOL:
        return "BOOLEAN"
    if kind in (Kind.INT, Kind.DURATION):
        return "BIGINT"
    if kind == Kind.DATE:
        return "DATE"
    if kind == Kind.DATETIME:
        return "TIMESTAMP"
    if kind in EXACT_KINDS:
        return f"DECIMAL(38, {DECIMALS[kind]})"
    if kind == Kind.SET:
        return "VARCHAR[]"
    if kind == Kind.LIST:
        fields = ", ".join('"' + f.name.replace('"', '""') + '" ' + duckdb_type(f.type) for f in typ.element.fields)
        return f"STRUCT({fields})[]"
    return "VARCHAR"


def fact_schema(pack: ir.Pack) -> pa.Schema:
    """The schema of a table of cases of `pack` (the row number first)."""
    import pyarrow as pa

    return pa.schema([pa.field(ROW, pa.int64())] + [pa.field(f.name, arrow_type(f.type.required())) for f in pack.facts.values()])


def column_value(value, typ: Type):
    """An IR value as the Arrow column of its type holds it."""
    if value is None:
        return None
    kind = typ.kind
    if kind == Kind.DATE:
        return dt.date.fromordinal(value)
    if kind == Kind.DATETIME:
        day, minute = divmod(value, 1440)
        return dt.datetime.combine(dt.date.fromordinal(day), dt.time(minute // 60, minute % 60))
    if kind in EXACT_KINDS:
        return Decimal(value.numerator) / Decimal(value.denominator)
    if kind == Kind.SET:
        return sorted(value)
    if kind == Kind.LIST:
        return [{f.name: column_value(v, f.type) for f, v in zip(typ.element.fields, record)} for record in value]
    return value


def case_table(pack: ir.Pack, cases: Iterable[tuple[int, dict]]) -> pa.Table:
    """An Arrow table of (row number, IR facts as `read_facts` gives them) cases."""
    import pyarrow as pa

    facts = list(pack.facts.values())
    rows: list[int] = []
    columns: list[list] = [[] for _ in facts]
    for row, values in cases:
        rows.append(row)
        for column, fact in zip(columns, facts):
            column.append(column_value(values.get(fact.name), fact.type.required()))
    schema = fact_schema(pack)
    arrays = [pa.array(rows, pa.int64())] + [pa.array(c, schema.field(f.name).type) for c, f in zip(columns, facts)]
    return pa.Table.from_arrays(arrays, schema=schema)


def wire_value(value, typ: Type):
    """A decision column's value as JSON on the wire (what `decide --format json` shows)."""
    kind = typ.kind
    if value is None:
        return None
    if kind == Kind.DATE:
        return value.isoformat()
    if kind == Kind.DATETIME:
        return value.isoformat(timespec="minutes")
    if kind in EXACT_KINDS:
        if isinstance(value, float):
            return round(value) if value.is_integer() else value
        return to_wire(Fraction(value), typ)
    if kind == Kind.SET:
        return sorted(value)
    return value


def outcomes(pack: ir.Pack, names: Sequence[str], table: pa.Table) -> Iterable[tuple[int, dict[str, tuple[Cause | None, object]]]]:
    """Per row of a decisions table: (row number, decision -> (cause or None, wire value))."""
    data = table.to_pydict()
    rows = data[ROW]
    types = {n: pack.decisions[n].type.required() for n in names}
    for i, row in enumerate(rows):
        out = {}
        for name in names:
            cause = data[name + CAUSE_SUFFIX][i]
            out[name] = (Cause(cause), None) if cause is not None else (None, wire_value(data[name][i], types[name]))
        yield row, out


def parquet_wire(row: dict) -> dict:
    """A row read from Parquet as wire facts (dates as ISO text, decimals as numbers), NULLs left out."""
    out = {}
    for name, value in row.items():
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            out[name] = value.isoformat(timespec="minutes")
        elif isinstance(value, dt.date):
            out[name] = value.isoformat()
        elif isinstance(value, Decimal):
            out[name] = int(value) if value == value.to_integral_value() else float(value)
        else:
            out[name] = value
    return out
