"""Facts sent as JSON (a decision log's `facts` column) read into typed SQL columns on DuckDB,
refusing exactly what the evaluator's reader (`values.read_facts`) refuses.

Each row's facts object is parsed once: `json_extract` with the list of every fact's path gives
each fact's JSON token as text (SQL NULL when the fact is not sent, `null` when it is sent as
null), normalised by DuckDB (no whitespace, escapes only where JSON needs them, a float always
with its `.` or exponent). The reader's refusals are then told apart from that text alone — its
first character says a string from a number from a list — with plain string functions, not
one JSON call per fact: an unknown name, null for a fact that is not optional, a value of the
wrong type, a date or moment that is not in the wire form, an enum value that is no member, a
number with more decimals than its kind keeps, an int out of its range, a list of records too
long, with unknown or missing fields.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ruleproof.checker import ir
from ruleproof.checker.semantics.kinds import EXACT_KINDS, Kind
from ruleproof.checker.sql.cases import duckdb_type
from ruleproof.checker.types import Type

PARSED = "_j"  # the column holding the list of every fact's JSON token


@dataclass(frozen=True)
class Reading:
    """How a table of JSON facts becomes typed columns, in three steps of select items: `parsed`
    parses each row's facts once (as PARSED); `values` gives the typed value of each fact
    looked for (as `_v<i>`, over PARSED) and `unknown` says that the row sends a name other
    than those (as `_other`); then `refused` is the condition (never NULL) that the row's facts
    are ones the reader refuses (over PARSED, the values and `_other`: a name other than the
    facts looked for is an unknown fact when those are all the facts some row sends), and
    `columns` name the values of the facts read as their facts."""

    parsed: str
    values: list[str]
    refused: str
    columns: list[str]
    unknown: str


def quoted(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def json_path(name: str) -> str:
    """The JSON path of a top-level member `name`."""
    return "$." + json.dumps(name)


def reading(pack: ir.Pack, facts: str, sent: set[str], read: set[str]) -> Reading:
    """The reading of the JSON text column `facts` for `pack`: the typed values of the facts
    in `read` (NULL where not sent), and the refusal test over every fact the row sends.
    `sent`: the pack's facts some row sends (the others are not looked for); a row sending any
    other name is refused as sending an unknown fact."""
    names = [f for f in pack.facts.values() if f.name in sent]
    paths = "[" + ", ".join(literal(json_path(f.name)) for f in names) + "]"
    parsed = f"json_extract({facts}, {paths}) AS {PARSED}" if names else f"CAST([] AS JSON[]) AS {PARSED}"
    values, columns = [], []
    refused = [_not_an_object(facts), "_other"]
    for i, fact in enumerate(names, start=1):
        raw, value = f"{PARSED}[{i}]", f"_v{i}"
        values.append(f"{token_value(raw, fact.type.required())} AS {value}")
        refused.append(_refused(raw, value, fact))
        if fact.name in read:
            columns.append(f"{value} AS {quoted(fact.name)}")
    for fact in pack.facts.values():
        if fact.name in read and fact.name not in sent:
            columns.append(f"CAST(NULL AS {duckdb_type(fact.type.required())}) AS {quoted(fact.name)}")
    return Reading(parsed, values, " OR ".join(refused), columns, f"len(json_keys({facts})) > list_count({PARSED})")


def typed_rows(facts: Reading, source: str, keep: str, parsed: str = "", items: Sequence[str] = ()) -> str:
    """The query reading the rows of `source` with `facts`: the select items `keep` (over the
    source's columns), then `_invalid` (the reader refuses the row's facts), `_other` (the row
    sends a name not looked for) and the facts read; `parsed` and `items` add select items at
    the parsing step and at the last one."""
    parse = f"SELECT *, {facts.parsed}{parsed} FROM {source}"
    values = f"SELECT *{''.join(', ' + v for v in facts.values)}, {facts.unknown} AS _other FROM ({parse})"
    return (f"SELECT {keep}, ({facts.refused}) AS _invalid, _other"
            f"{''.join(', ' + c for c in [*facts.columns, *items])} FROM ({values})")


def _refused(raw: str, value: str, fact) -> str:
    """The reader refuses the token `raw` of `fact` (a fact or a record's field) whose value
    is `value`: not a value of its type, null where it is not optional, out of its range."""
    bad = f"{raw} <> 'null' AND {value} IS NULL"
    if not fact.type.optional:
        bad = f"{raw} = 'null' OR {bad}"
    if fact.low is not None:  # an absent value is in range
        bad += f" OR {value} NOT BETWEEN {fact.low} AND {fact.high}"
    return f"COALESCE({bad}, FALSE)"


def _not_an_object(facts: str) -> str:
    return f"(CASE WHEN left({facts}, 1) = '{{' THEN FALSE ELSE COALESCE(json_type({facts}) <> 'OBJECT', TRUE) END)"


def token_value(raw: str, typ: Type) -> str:
    """The value of a non-null JSON token `raw` of type `typ` (not optional), NULL when the
    reader refuses it."""
    kind = typ.kind
    number = f"regexp_full_match({raw}, '-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?')"
    if kind == Kind.BOOL:
        return f"CASE {raw} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END"
    if kind in (Kind.INT, Kind.DURATION):
        whole = f"TRY_CAST({raw} AS DOUBLE)"
        return (f"CASE WHEN NOT (left({raw}, 1) BETWEEN '0' AND '9' OR left({raw}, 1) = '-') THEN NULL "
                f"WHEN NOT (contains({raw}, '.') OR contains({raw}, 'e') OR contains({raw}, 'E')) THEN TRY_CAST({raw} AS BIGINT) "
                f"WHEN isfinite({whole}) AND {whole} = trunc({whole}) THEN TRY_CAST({whole} AS BIGINT) END")
    if kind in EXACT_KINDS:
        target = duckdb_type(typ)
        real = f"TRY_CAST({raw} AS DOUBLE)"
        exact = f"TRY_CAST({real} AS {target})"
        return (f"CASE WHEN NOT {number} THEN NULL "
                f"WHEN NOT (contains({raw}, '.') OR contains({raw}, 'e') OR contains({raw}, 'E')) THEN TRY_CAST({raw} AS {target}) "
                f"WHEN isfinite({real}) AND CAST({exact} AS DOUBLE) = {real} THEN {exact} END")
    if kind == Kind.DATE:
        return (f"CASE WHEN regexp_full_match({raw}, '\"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}\"') AND substr({raw}, 2, 4) <> '0000' "
                f"THEN TRY_CAST(substr({raw}, 2, 10) AS DATE) END")
    if kind == Kind.DATETIME:
        return (f"CASE WHEN regexp_full_match({raw}, '\"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T([01][0-9]|2[0-3]):[0-9]{{2}}\"') "
                f"AND substr({raw}, 2, 4) <> '0000' THEN TRY_CAST(replace(substr({raw}, 2, 16), 'T', ' ') AS TIMESTAMP) END")
    if kind in (Kind.STRING, Kind.ENUM):
        text = (f"CASE WHEN left({raw}, 1) <> '\"' THEN NULL WHEN contains({raw}, '\\') THEN json_extract_string({raw}, '$') "
                f"ELSE substr({raw}, 2, length({raw}) - 2) END")
        if kind == Kind.STRING:
            return text
        if all(json.dumps(m, ensure_ascii=False) == f'"{m}"' for m in typ.members):  # as DuckDB writes them
            tokens = ", ".join(literal(f'"{m}"') for m in typ.members)
            return f"CASE WHEN list_contains([{tokens}], {raw}) THEN substr({raw}, 2, length({raw}) - 2) END"
        members = ", ".join(literal(m) for m in typ.members)
        return f"CASE WHEN list_contains([{members}], {text}) THEN {text} END"
    if kind == Kind.SET:
        item = token_value("_e", typ.element)
        bad = f"_e = 'null' OR {item} IS NULL"
        items = f"json_extract({raw}, '$[*]')"
        return (f"CASE WHEN left({raw}, 1) = '[' AND NOT COALESCE(list_bool_or(list_transform({items}, lambda _e: {bad})), FALSE) "
                f"THEN list_sort(list_distinct(list_transform({items}, lambda _e: {item}))) END")
    if kind == Kind.LIST:
        return _records(raw, typ)
    return "NULL"


def _records(raw: str, typ: Type) -> str:
    """A list of records: a JSON list of at most `typ.size` objects, each giving every field
    and no other."""
    fields = typ.element.fields
    names = ", ".join(literal(f.name) for f in fields)
    bads, values = [], []
    for f in fields:
        field = f"json_extract(_r, {literal(json_path(f.name))})"
        value = token_value(field, f.type.required())
        bads.append(f"{_refused(field, value, f)} OR NOT json_exists(_r, {literal(json_path(f.name))})")
        values.append(f"{quoted(f.name)} := {value}")
    record_bad = (f"json_type(_r) <> 'OBJECT' OR len(list_filter(json_keys(_r), lambda _k: NOT list_contains([{names}], _k))) > 0"
                  + "".join(f" OR {b}" for b in bads))
    items = f"json_extract({raw}, '$[*]')"
    return (f"CASE WHEN left({raw}, 1) = '[' AND len({items}) <= {typ.size} "
            f"AND NOT COALESCE(list_bool_or(list_transform({items}, lambda _r: COALESCE({record_bad}, TRUE))), FALSE) "
            f"THEN list_transform({items}, lambda _r: struct_pack({', '.join(values)})) END")
