"""Where each token goes: a new line at some indentation, or on the line of the token before
with a given separator. One declaration at a time, from its kind:

- a declaration starts at column 0;
- some keywords always start a line, indented 2 (a rule's `when`, `then`, `overrides`,
  `unless`, `because`; a table's `given` and rows; an example's `given` and `expect`; an
  obligation's body and its `when`, `by`, `done`);
- the rest of a line (a *group*) stays on one line when it fits in WIDTH and holds no comment;
  else it breaks before its optional parts (`cite`, a decision's `when` and `=`, ...), indented 2
  more, and a part that still does not fit breaks before each `and`, `or` and `|` outside
  brackets, indented 2 more again;
- a table's rows are aligned in columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ruleproof.checker.format.spacing import join, separator
from ruleproof.checker.format.tokens import Lexeme

WIDTH = 100
INDENT = 2

DECLARATION_KINDS = frozenset({
    "PACK", "IMPORT", "ENUM", "FACT", "CONST", "LET", "ASSUME", "DECISION", "RULE", "TABLE",
    "WINDOW", "PROPERTY", "OBLIGATION", "EXAMPLE", "HOLIDAYS", "ACCEPT", "MODULE", "RECORD",
})
AFTER_COLON = "after :"  # a marker: the token after a declaration's first `:`
# Per declaration kind: what always starts a line, and what starts a line when the group breaks.
_ALWAYS: dict[str, frozenset[str]] = {
    "RULE": frozenset({"WHEN", "THEN", "OVERRIDES", "UNLESS", "BECAUSE", "REPLACES"}),
    "TABLE": frozenset({"GIVEN", "ROW"}),
    "EXAMPLE": frozenset({"GIVEN", "EXPECT"}),
    "OBLIGATION": frozenset({AFTER_COLON, "WHEN", "BY", "DONE"}),
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "RULE": frozenset({"CITE", "PRIORITY", "EFFECTIVE"}),
    "DECISION": frozenset({"CITE", "WHEN", "EQUAL", "AS"}),
    "ASSUME": frozenset({"CITE", AFTER_COLON}),
    "PROPERTY": frozenset({"CITE", AFTER_COLON}),
    "ACCEPT": frozenset({"BECAUSE"}),
    "ENUM": frozenset({"CITE", "VBAR"}),
}
_BREAKABLE = frozenset({"IMPLIES", "AND", "OR", "VBAR"})
_LISTS = frozenset({"GIVEN", "EXPECT", "THEN"})  # groups that list items, filled line by line
_MAX_LEVEL = 8  # bracket depth below which long conditions are no longer broken
_OPEN, _CLOSE = frozenset({"LPAR", "LSQB", "LBRACE"}), frozenset({"RPAR", "RSQB", "RBRACE"})


@dataclass(frozen=True)
class Place:
    """Where a token goes. On a new line at `indent` (after a blank line if `blank`), or after
    the token before, `sep` between them; a comment before it forces a new line at `indent`."""

    newline: bool
    indent: int
    sep: str = " "
    blank: bool = False


def declarations(lexemes: Sequence[Lexeme]) -> list[tuple[int, int]]:
    """The (start, end) indexes of each declaration in a file's tokens."""
    starts = [i for i, lexeme in enumerate(lexemes) if lexeme.kind in DECLARATION_KINDS]
    if lexemes and (not starts or starts[0] != 0):
        starts.insert(0, 0)
    return list(zip(starts, starts[1:] + [len(lexemes)]))


def place_all(lexemes: Sequence[Lexeme]) -> list[Place]:
    """The place of every token of a file."""
    places: list[Place] = []
    for n, (lo, hi) in enumerate(declarations(lexemes)):
        decl = lexemes[lo:hi]
        before = lexemes[lo - 1] if lo else None
        decl_places = _place_declaration(decl, before)
        decl_places[0] = Place(True, 0, blank=n > 0 and decl[0].blank_before)
        places.extend(decl_places)
    return places


def _place_declaration(decl: Sequence[Lexeme], before: Lexeme | None) -> list[Place]:
    kind = decl[0].kind
    always = _markers(decl, _ALWAYS.get(kind, frozenset()))
    optional = _markers(decl, _OPTIONAL.get(kind, frozenset({"CITE"})))
    places = _spaced(decl, before, INDENT)
    bounds = [0, *always, len(decl)]
    rows = []
    for lo, hi in zip(bounds, bounds[1:]):
        indent = 0 if lo == 0 else INDENT
        if kind == "TABLE" and decl[lo].kind == "ROW":
            rows.append((lo, hi))
        _place_group(decl, places, lo, hi, indent, [i for i in optional if lo < i < hi], kind == "ENUM")
    _align_rows(decl, places, rows)
    return places


def _markers(decl: Sequence[Lexeme], kinds: frozenset[str]) -> list[int]:
    """The indexes of the tokens of `kinds` that start a part of the declaration. A `then` of
    an `if` expression is not a rule's `then`."""
    found, open_ifs = [], 0
    colons = [i for i, lexeme in enumerate(decl) if lexeme.kind == "COLON"]
    after_colon = colons[0] + 1 if colons and AFTER_COLON in kinds else None
    for i, lexeme in enumerate(decl):
        if lexeme.kind == "IF":
            open_ifs += 1
        elif lexeme.kind == "THEN" and open_ifs:
            open_ifs -= 1
            continue
        if i and (lexeme.kind in kinds or i == after_colon):
            found.append(i)
    return found


def _spaced(decl: Sequence[Lexeme], before: Lexeme | None, indent: int) -> list[Place]:
    """Every token on the line of the one before, spaced (the first at column 0)."""
    places = [Place(True, 0)]
    for i in range(1, len(decl)):
        prior = decl[i - 2] if i >= 2 else before
        places.append(Place(False, indent, separator(prior, decl[i - 1], decl[i])))
    return places


def _has_comment(decl: Sequence[Lexeme], lo: int, hi: int) -> bool:
    """Whether a comment stands between two tokens of decl[lo:hi]."""
    return any(decl[i].comments for i in range(lo + 1, hi))


def _fits(decl: Sequence[Lexeme], lo: int, hi: int, indent: int) -> bool:
    before = decl[lo - 1] if lo else None
    return not _has_comment(decl, lo, hi) and indent + len(join(decl[lo:hi], before)) <= WIDTH


def _place_group(decl, places, lo, hi, indent, optional, is_enum) -> None:
    """Place decl[lo:hi], a group starting a line at `indent`: on one line if it fits, else
    broken before its optional parts (an enum's members: the first one indented 2 more)."""
    places[lo] = Place(True, indent)
    for i in range(lo + 1, hi):
        places[i] = Place(False, indent + INDENT, places[i].sep)
    if _fits(decl, lo, hi, indent):
        return
    starts = [lo, *optional]
    indents = [indent] + [indent + INDENT] * len(optional)
    if is_enum:
        first = next(i for i in range(lo, hi) if decl[i].kind == "EQUAL") + 1
        starts, indents = [lo, first, *optional], [indent, indent + 2 * INDENT, *indents[1:]]
    for (start, part_indent), end in zip(zip(starts, indents), [*starts[1:], hi]):
        places[start] = Place(True, part_indent)
        for i in range(start + 1, end):
            places[i] = Place(False, part_indent + INDENT, places[i].sep)
        if _fits(decl, start, end, part_indent):
            continue
        if decl[start].kind in _LISTS:
            _fill(decl, places, start, end, part_indent + len(decl[start].text) + 1)
        else:
            _break_operators(decl, places, start, end, part_indent + INDENT)


def _fill(decl, places, lo, hi, indent) -> None:
    """Fill lines with the comma-separated items of decl[lo:hi], starting a line at `indent`
    before an item that would pass WIDTH."""
    depth, items = 0, [lo]
    for i in range(lo, hi):
        kind = decl[i].kind
        depth += kind in _OPEN
        depth -= kind in _CLOSE
        if depth == 0 and kind == "COMMA" and i + 1 < hi:
            items.append(i + 1)
    column = indent
    for n, (start, end) in enumerate(zip(items, [*items[1:], hi])):
        width = len(join(decl[start:end], decl[start - 1]))
        if n and column + 1 + width > WIDTH:
            places[start] = Place(True, indent)
            column = indent + width
        else:
            column += (1 if n else 0) + width


def _break_operators(decl, places, lo, hi, indent, level=0) -> None:
    """Start a line before each `and`, `or` and `|` of decl[lo:hi] at bracket depth `level`;
    then the same one level deeper, indented 2 more, in each piece that still does not fit."""
    depth, starts = 0, [lo]
    for i in range(lo, hi):
        kind = decl[i].kind
        if kind in _OPEN:
            depth += 1
        elif kind in _CLOSE:
            depth -= 1
        elif i > lo and depth == level and kind in _BREAKABLE:
            places[i] = Place(True, indent)
            starts.append(i)
    if level >= _MAX_LEVEL:
        return
    for start, end in zip(starts, [*starts[1:], hi]):
        piece_indent = indent - INDENT if start == lo else indent
        if not _fits(decl, start, end, piece_indent):
            _break_operators(decl, places, start, end, piece_indent + INDENT, level + 1)


def _cells(decl, lo, hi) -> list[tuple[int, int]] | None:
    """A row's cells and result as (start, end) index pairs: split at `,` outside brackets and
    at `=>`; None for a row with a comment inside (it is not aligned)."""
    if _has_comment(decl, lo, hi):
        return None
    cells, start, depth = [], lo + 1, 0
    for i in range(lo + 1, hi):
        kind = decl[i].kind
        depth += kind in _OPEN
        depth -= kind in _CLOSE
        if depth == 0 and (kind == "COMMA" or decl[i].text == "=>"):
            cells.append((start, i))
            start = i + 1 if kind == "COMMA" else i
            if kind != "COMMA":
                break
    return cells


def _align_rows(decl, places, rows) -> None:
    """Pad a table's cells so that its rows' columns, and their `=>`, line up."""
    split = [(lo, _cells(decl, lo, hi)) for lo, hi in rows]
    widths: dict[int, int] = {}
    for _, cells in split:
        for column, (start, end) in enumerate(cells or []):
            widths[column] = max(widths.get(column, 0), len(join(decl[start:end], decl[start - 1])))
    for _, cells in split:
        for column, (start, end) in enumerate(cells or []):
            pad = widths[column] - len(join(decl[start:end], decl[start - 1]))
            after = end + 1 if decl[end].kind == "COMMA" else end
            if after < len(decl) and not places[after].newline:
                places[after] = Place(False, places[after].indent, places[after].sep + " " * pad)
