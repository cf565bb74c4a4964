"""Fuzz the front end (and the evaluator behind it) with generated and mutated policy texts.

Run from the repository root: ``python bench/fuzz_frontend.py -n 100000`` (``--help`` for the
knobs). Every input is a pack of one to three files made from a seeded generator, so input
``i`` of seed ``s`` is the same on every run (``--show I`` prints it). The generators:

* ``mutate``: a valid pack (the marketplace's files, the language reference's and the
  diagnostics reference's examples, the check fixtures) with one to six token-level mutations:
  tokens deleted, duplicated, swapped, replaced by keywords, splices from another seed, deep
  parentheses, huge numbers, long names, odd characters;
* ``bytes``: the UTF-8 bytes of a seed with bytes flipped, inserted or cut, decoded back with
  ``surrogateescape`` (invalid bytes become lone surrogates, as a Python caller could pass them);
* ``unicode``: a seed with combining marks, right-to-left marks and overrides, NUL, a BOM,
  escaped surrogates, zero-width and full-width characters, line and paragraph separators and
  lone carriage returns put in at random places (in names, strings, comments, between tokens);
* ``truncate``: a seed cut at a random character (mid-string, mid-name, mid-declaration);
* ``generate``: a pack written from scratch by a typed random generator (facts of every type,
  constants, formulas, rules with overrides, tables, windows, properties, examples), with deep
  nesting, numbers up to thousands of digits, names up to 5,000 characters, rounding digits and
  working days from 0 to huge, and hostile strings (Python code, quotes, Unicode) in cites;
* ``deep``: one construct nested 50 to 20,000 deep (parentheses, `not`, `-`, `if`, `+`, sets,
  calls);
* ``multi``: two or three files with imports (cyclic, missing, duplicate modules, no header);
* ``clash``: declarations of every kind over a pool of three names: names defined twice or as two
  kinds, a window read as a value, a rule named as a decision, and so on.

Each input goes through ``load_texts`` and both renderers; every diagnostic must have a
registered code and a span inside its file, and an exception is a crash. A pack that loads is
also compiled by the evaluator and decides a case of random facts (with ``explain``); with
``--checks K`` such a pack among every K-th input also runs the formal checks (20 ms per query). Every input is
timed: the summary gives the slowest, and an input over ``--budget`` seconds (2 s) is flagged;
one over ``--hard-timeout`` is stopped (SIGALRM) and counted as a hang. Crashes and hangs are
written to ``--out`` (reduced to a small reproducer with ``--reduce``).

``--atheris N`` instead runs atheris (coverage-guided, libFuzzer) for N runs on the same
checks, its inputs decoded as UTF-8 text from libFuzzer's bytes (seeded with the seed packs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import random
import re
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruleproof.checker.diagnostics import CODES  # noqa: E402
from ruleproof.checker.pipeline import load_texts  # noqa: E402
from ruleproof.checker.render import render_json, render_text  # noqa: E402

from tests.doc_blocks import code_blocks, texts_of  # noqa: E402

HEADER = 'pack fuzz version "1"\n'
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d\d-\d\d(?:T\d\d:\d\d)?|\d+(?:\.\d+)?|\w+|[^\s\w]|\s+')
KEYWORDS = (
    "pack version import enum fact const let assume decision rule table window property obligation example "
    "holidays accept on because bool int decimal rate string date datetime money USD RMB EUR set of days day "
    "working hours minutes default hit unique first priority collect complete when cite then overrides "
    "unless for given row any otherwise in always never possible must by done expect is undetermined if "
    "else implies or and not present absent empty within before disjoint overlaps true false"
).split()
SYMBOLS = [":", "=", ",", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "%", "?", "|", "..", "=>", "<", "<=",
           "==", "!=", ">=", ">", '"', "#", "\n", "\\", "'", "`", "@", "$", ";"]
#: characters that break naive lexers and renderers
ODD = [
    "\u0301", "\u0308\u0308\u0308", "a\u0300", "\u200f", "\u202e", "\u202d", "\u2066", "\u2069", "\u05d0\u05d1",
    "\u0627\u0644", "\x00", "\ufeff", "\udcff", "\ud800", "\udfff", "\u200b", "\u200d", "\u2060", "\uff11",
    "\uff41", "\u0663", "\u2028", "\u2029", "\x85", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1b[31m", "\U0001f600",
    "\U0001f468\u200d\U0001f469", "\u00a0", "\u3000", "İ", "ß", "ǅ", "\ufffd", "\U0010ffff", "\x7f", "\\u0000",
    "\\", '\\"', "\u0130\u0131", "e\u0301",
]
HOSTILE = ["__import__('os').system('touch /tmp/ruleproof-pwned')", "'); import os; os.system('x') #",
           '\\"; exec(\\"x\\") #', "{0.__class__}", "%s%s%n", "${jndi:ldap://x}", "<script>alert(1)</script>",
           "\\u0000", "\\n\\r", "a" * 2000]


# ------------------------------------------------------------------ seeds


def seed_texts() -> list[str]:
    """Valid (or nearly valid) packs to mutate."""
    texts = []
    for folder in ("policies", "tests/checks", "tests/fixtures", "tests/diagnostics", "tests/corpus/frontend"):
        for path in sorted((ROOT / folder).rglob("*.rules")):
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError:  # tests/diagnostics/E001.rules is not UTF-8 on purpose
                continue
    for doc in ("specs/language.md", "specs/diagnostics.md"):
        for block in code_blocks(ROOT / doc):
            if block.tag.startswith("rules"):
                texts.extend(texts_of(block).values())
    return [t for t in texts if t.strip()]


SEEDS: list[str] = []
SEED_TOKENS: list[list[str]] = []


def _init_seeds() -> None:
    if not SEEDS:
        SEEDS.extend(seed_texts())
        SEED_TOKENS.extend(TOKEN.findall(t) for t in SEEDS)


# ------------------------------------------------------------------ generators


def g_mutate(r: random.Random) -> dict[str, str]:
    tokens = list(r.choice(SEED_TOKENS))
    for _ in range(r.randint(1, 6)):
        if not tokens:
            tokens = [r.choice(KEYWORDS)]
        i = r.randrange(len(tokens))
        kind = r.choice(["delete", "delete", "duplicate", "swap", "keyword", "symbol", "splice", "odd", "parens",
                         "huge", "long", "truncate", "number"])
        if kind == "delete":
            del tokens[i : i + r.randint(1, 4)]
        elif kind == "duplicate":
            tokens[i:i] = tokens[i : i + r.randint(1, 8)]
        elif kind == "swap":
            j = r.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "keyword":
            tokens[i] = r.choice(KEYWORDS)
        elif kind == "symbol":
            tokens.insert(i, r.choice(SYMBOLS))
        elif kind == "splice":
            other = r.choice(SEED_TOKENS)
            if other:
                a = r.randrange(len(other))
                tokens[i:i] = other[a : a + r.randint(1, 40)]
        elif kind == "odd":
            tokens.insert(i, r.choice(ODD))
        elif kind == "parens":
            depth = r.choice([1, 2, 10, 100, 300, 1000])
            tokens[i] = "(" * depth + tokens[i] + ")" * r.choice([depth, depth, depth - 1, 0])
        elif kind == "huge":
            tokens[i] = _huge_number(r)
        elif kind == "long":
            tokens[i] = r.choice("x_Ab") * r.choice([64, 65, 129, 1000, 5000, 50_000])
        elif kind == "number":
            tokens[i] = r.choice(["0", "-1", "1.5", "0.0000000000000001", "2026-02-30", "2026-13-01", "0000-00-00",
                                  "9999-12-31", "2026-01-01T24:00", "2026-01-01T23:59", "1..0", "5%", "-5%"])
        else:
            tokens = tokens[:i]
    return {"f.rules": "".join(tokens)}


def _huge_number(r: random.Random) -> str:
    digits = r.choice([15, 16, 19, 40, 300, 4299, 4301, 10_000])
    text = "9" * digits
    if r.random() < 0.3:
        text = "1." + "9" * digits
    if r.random() < 0.2:
        text += r.choice(["%", " days", " working days", " USD", " hours"])
    return text


def g_bytes(r: random.Random) -> dict[str, str]:
    data = bytearray(r.choice(SEEDS).encode("utf-8"))
    for _ in range(r.randint(1, 12)):
        if not data:
            break
        i = r.randrange(len(data))
        op = r.random()
        if op < 0.4:
            data[i] ^= 1 << r.randrange(8)
        elif op < 0.7:
            data[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 4)))
        elif op < 0.9:
            del data[i : i + r.randint(1, 16)]
        else:
            data[i:i] = r.choice([b"\xc3", b"\xe2\x80", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xff\xfe", b"\x00"])
    return {"f.rules": data.decode("utf-8", errors=r.choice(["surrogateescape", "replace", "ignore"]))}


def g_unicode(r: random.Random) -> dict[str, str]:
    text = r.choice(SEEDS)
    if r.random() < 0.2:
        text = "\ufeff" + text
    positions = sorted(r.randrange(len(text) + 1) for _ in range(r.randint(1, 10)))
    out, last = [], 0
    for p in positions:
        out.append(text[last:p])
        out.append(r.choice(ODD) * r.choice([1, 1, 1, 3, 100]))
        last = p
    out.append(text[last:])
    return {"f.rules": "".join(out)}


def g_truncate(r: random.Random) -> dict[str, str]:
    text = r.choice(SEEDS)
    return {"f.rules": text[: r.randrange(len(text) + 1)]}


def g_deep(r: random.Random) -> dict[str, str]:
    depth = r.choice([50, 99, 100, 101, 200, 500, 1000, 5000, 20_000])
    shape = r.choice(["parens", "not", "neg", "if", "sum", "set", "call", "and", "mixed"])
    if shape == "parens":
        expr = "(" * depth + "x" + ")" * depth
    elif shape == "not":
        expr = "not " * depth + "b"
    elif shape == "neg":
        expr = "-" * depth + "x"
    elif shape == "if":
        expr = "if b then " * depth + "x" + " else x" * depth
    elif shape == "sum":
        expr = " + ".join(["x"] * depth)
    elif shape == "set":
        expr = "{" * depth + "x" + "}" * depth
    elif shape == "call":
        expr = "max(" * depth + "x" + ", x)" * depth
    elif shape == "and":
        expr = " and ".join(["b"] * depth)
    else:
        expr = "".join(r.choice(["(", "not ", "-", "if b then (", "max("]) for _ in range(depth)) + "x"
    return {"f.rules": HEADER + "fact x: int\nfact b: bool\ndecision d: int = " + expr + "\n"}


def g_multi(r: random.Random) -> dict[str, str]:
    files: dict[str, str] = {}
    count = r.randint(2, 3)
    names = [r.choice(["a", "b", "c", "pack", "A", "a_b", "x" * 300]) for _ in range(count)]
    for i, name in enumerate(names):
        text = g_mutate(r)["f.rules"] if r.random() < 0.5 else r.choice(SEEDS)
        imports = "".join(f"import {r.choice(names + ['missing', 'pack', name])}\n" for _ in range(r.randint(0, 3)))
        header = HEADER if i == 0 and r.random() < 0.8 else ""
        path = r.choice([f"{name}.rules", f"sub/{name}.rules", f"{i}/{name}.rules"])
        files[path] = header + imports + re.sub(r"^pack .*$", "", text, flags=re.M)
    return files


#: declarations of every kind, over names drawn from a pool of three: a name defined twice, as two
#: kinds, or used as the wrong kind (a window as a value, a rule as a decision, ...)
CLASH = [
    "fact {a}: date", "fact {a}: int", "fact {a}: {b}", "fact {a}: date?", "fact {a}: set of {b}", "const {a} = 3 days",
    "const {a} = {b}", "let {a} = {b} + 1", "enum {a} = {b} | {c}", "decision {a}: date = {b}",
    "decision {a}: bool default false", "decision {a}: int hit first", "rule {a}: when {b} then {c} = {a}",
    "rule {a} priority 1: when {b} > 0 then {c} = 1 overrides {a}, {b}", "rule {a}: when true then {b} = 1 unless {c}",
    "table {a} for {b}: given {c} row any => 1", "table {a} for {b}: given {c}, {a} row {b}, otherwise => {c}",
    "window {a} = [{b}, {c}]", "window {a} = ({b}, {b} + 3 working days)", "property {a}: {b} within {c}",
    "property {a}: possible {b} is empty", "property {a}: never {b} overlaps {a}", "assume {a}: {b} <= {c}",
    "obligation {a}: {b} must \"act\" when {c} by {b} + 5 days done {a}", "example \"e\": given {a} = 1 expect {b} = 2",
    "example \"e\": given {a} = {b} expect {c} is undetermined", "accept \"E601\" on {a}, {b} because \"x\"",
    "holidays 2026-01-01", "import {a}", "decision {a}: {b} = {c}", "decision {a}: set of {b} hit collect",
    "decision {a}: date when {b} is present = {b}", "fact {a}: int {b}..{c}",
]


def g_clash(r: random.Random) -> dict[str, str]:
    pool = r.sample(["x", "y", "z", "d", "w", "today", "e"], 3)
    lines = [HEADER.strip()]
    for _ in range(r.randint(2, 12)):
        a, b, c = (r.choice(pool) for _ in range(3))
        lines.append(r.choice(CLASH).format(a=a, b=b, c=c))
    return {"f.rules": "\n".join(lines) + "\n"}


def g_generate(r: random.Random) -> dict[str, str]:
    return {"f.rules": PackWriter(r).pack()}


class PackWriter:
    """A random pack that mostly type checks: facts, constants, decisions (formulas and rules),
    tables, windows, properties and examples, with expressions of the right type most of the
    time and extremes (deep nesting, long names, huge numbers, hostile strings) some of the time."""

    TYPES = ["bool", "int", "int 0..100", "decimal", "rate", "money USD", "money RMB", "days", "working days",
             "hours", "date", "datetime", "kind", "set of kind", "string"]

    def __init__(self, r: random.Random):
        self.r = r
        #: a third of the packs have extremes (huge numbers, long names, keywords as names, ...)
        self.extreme = r.random() < 0.35
        self.facts: dict[str, str] = {}
        self.decisions: dict[str, str] = {}
        self.lines: list[str] = []

    def name(self, prefix: str) -> str:
        r = self.r
        roll = r.random() if self.extreme else 1.0
        if roll < 0.03:
            return prefix + "_" + "n" * r.choice([100, 1000, 5000])
        if roll < 0.05:
            return r.choice(KEYWORDS)  # a keyword where a name is expected
        return f"{prefix}_{r.randrange(10_000)}"

    def cite(self) -> str:
        r = self.r
        if r.random() < 0.5:
            return ""
        text = r.choice((HOSTILE if self.extreme or r.random() < 0.3 else []) + ["Art. 1", "Art. 42 \u00a7 3", "\u05e1\u05e2\u05d9\u05e3 7", "\u202eArt. 9",
                                   "ce\u0301dula", "\U0001f600"])
        return f' cite "{text}"'

    def number(self, kind: str) -> str:
        r = self.r
        roll = r.random() if self.extreme else 1.0
        if roll < 0.03:
            return "9" * r.choice([15, 16, 300, 5000])
        if roll < 0.05:
            return "0." + "1" * r.choice([15, 16, 300, 5000])
        if kind == "decimal":
            return f"{r.randint(0, 999)}.{r.randint(0, 99)}"
        return str(r.choice([0, 1, 2, 3, 5, 7, 10, 15, 30, 100, 999_999_999_999_999]))

    def literal(self, typ: str) -> str:
        r = self.r
        if typ == "bool":
            return r.choice(["true", "false"])
        if typ.startswith("int"):
            return self.number("int")
        if typ == "decimal":
            return self.number("decimal")
        if typ == "rate":
            return self.number("int") + "%"
        if typ.startswith("money"):
            return self.number("decimal") + " " + typ.split()[1]
        if typ in ("days", "hours"):
            return self.number("int") + " " + typ
        if typ == "working days":
            counts = [0, 1, 3, 10, 250, 1000] + ([1001, 10**6, 10**14] if self.extreme else [])
            return str(r.choice(counts)) + " working days"
        if typ == "date":
            return r.choice(["2026-01-01", "2026-02-28", "2024-02-29", "0001-01-01", "9999-12-31"]
                            + (["2026-02-30"] if self.extreme else []))
        if typ == "datetime":
            return r.choice(["2026-01-01T00:00", "2026-03-02T23:59", "9999-12-31T23:59"])
        if typ == "kind":
            return r.choice(["standard", "express", "local"])
        if typ == "set of kind":
            return "{" + ", ".join(r.sample(["standard", "express", "local"], r.randint(0, 3))) + "}"
        return '"' + r.choice(["", "x", "\u00e9", "\\\"", "\\\\"] + HOSTILE) + '"'

    def ref(self, typ: str, pool: dict[str, str]) -> str | None:
        names = [n for n, t in pool.items() if t == typ]
        return self.r.choice(names) if names else None

    def expr(self, typ: str, depth: int = 0) -> str:
        r = self.r
        if depth > r.choice([2, 3, 4, 6]) or r.random() < 0.25:
            found = self.ref(typ, self.facts) if r.random() < 0.7 else self.ref(typ, self.decisions)
            return found if found and r.random() < 0.8 else self.literal(typ)
        sub = lambda t=typ: self.expr(t, depth + 1)  # noqa: E731
        if typ == "bool":
            choice = r.randrange(8)
            num = r.choice(["int", "decimal", "money USD", "days", "date"])
            if choice == 0:
                return f"{sub(num)} {r.choice(['<', '<=', '==', '!=', '>=', '>'])} {sub(num)}"
            if choice == 1:
                return f"({sub()} {r.choice(['and', 'or', 'implies'])} {sub()})"
            if choice == 2:
                return f"not {sub()}"
            if choice == 3:
                return f"{sub('kind')} {r.choice(['in', 'not in'])} {{standard, express}}"
            if choice == 4:
                opt = self.ref("date?", self.facts)
                return f"{opt} is {r.choice(['present', 'absent'])}" if opt else "true"
            if choice == 5:
                return f"(if {sub()} then {sub()} else {sub()})"
            if choice == 6:
                return f"{sub('kind')} in {self.ref('set of kind', self.facts) or '{local}'}"
            return f"({sub()})"
        if typ in ("int", "decimal") or typ.startswith("money") or typ in ("days", "hours", "rate"):
            choice = r.randrange(7)
            if choice == 0:
                return f"({sub()} {r.choice(['+', '-'])} {sub()})"
            if choice == 1 and typ not in ("days", "hours"):
                other = "decimal" if typ != "int" else "int"
                return f"{sub()} * {sub(other)}"
            if choice == 2:
                return f"{r.choice(['max', 'min'])}({sub()}, {sub()})"
            if choice == 3 and typ in ("decimal", "rate") or typ.startswith("money") and choice == 3:
                digits = r.choice(["0", "2", "4", "15", "-2"] + (["16", "300", "99999999999999"] if self.extreme else []))
                return f"round({sub()}, {digits})"
            if choice == 4:
                return f"(if {sub('bool')} then {sub()} else {sub()})"
            if choice == 5:
                return f"-{sub()}"
            return f"({sub()})"
        if typ == "date":
            choice = r.randrange(5)
            if choice == 0:
                return f"{sub()} + {sub('days')}"
            if choice == 1:
                return f"{sub()} + {self.literal('working days')}"
            if choice == 2:
                return f"max({sub()}, {sub()})"
            if choice == 3:
                return f"(if {sub('bool')} then {sub()} else {sub()})"
            return f"{sub()} - {sub('days')}"
        return self.literal(typ)

    def pack(self) -> str:
        r = self.r
        out = [f'pack {self.name("p") if r.random() < 0.1 else "gen"} version "{r.choice(["1", "", "x" * 500])}"',
               "enum kind = standard | express | local"]
        if r.random() < 0.3:
            out.append("holidays 2026-01-01, 2026-05-01, 2026-10-01" + self.cite())
        for _ in range(r.randint(1, 12)):
            name, typ = self.name("f"), r.choice(self.TYPES)
            optional = typ == "date" and r.random() < 0.4
            self.facts[name] = typ + ("?" if optional else "")
            default = f" = {self.literal(typ)}" if not optional and r.random() < 0.2 else ""
            out.append(f"fact {name}: {typ}{'?' if optional else ''}{default}{self.cite()}")
        dates = [n for n, t in self.facts.items() if t in ("date", "date?")]
        if len(dates) >= 2 and r.random() < 0.5:
            a, b = r.sample(dates, 2)
            guard = f"{a} is present and {b} is present implies " if "?" in self.facts[a] + self.facts[b] else ""
            out.append(f"assume ordered{self.cite()}: {guard}{a} <= {b}")
        for _ in range(r.randint(1, 10)):
            typ = r.choice([t for t in self.TYPES if t not in ("string", "datetime", "set of kind")])
            name = self.name("d")
            roll = r.random()
            default = ""
            if roll < 0.4:
                out.append(f"decision {name}: {typ}{self.cite()} = {self.expr(typ)}")
            elif roll < 0.85:
                hit = r.choice(["", " hit first", " hit priority", " hit unique"] + ([" hit collect"] if self.extreme else []))
                default = f" default {self.literal(typ)}" if r.random() < 0.6 else ""
                out.append(f"decision {name}: {typ}{hit}{default}{' complete' if r.random() < 0.1 else ''}{self.cite()}")
                rules = [self.name("r") for _ in range(r.randint(1, 4))]
                for i, rule in enumerate(rules):
                    prio = f" priority {r.choice(['1', '2', '-1'] + (['9' * 20] if self.extreme else []))}" if "priority" in hit else ""
                    rel = f"\n  overrides {rules[i - 1]}\n  because \"fuzz\"" if i and r.random() < 0.3 else ""
                    out.append(f"rule {rule}{prio}{self.cite()}:\n  when {self.expr('bool')}\n"
                               f"  then {name} = {self.expr(typ)}{rel}")
            else:
                ins = [n for n, t in self.facts.items() if t in ("kind", "int", "int 0..100", "bool")][:2]
                if not ins:
                    continue
                default = f" default {self.literal(typ)}" if r.random() < 0.5 else ""
                out.append(f"decision {name}: {typ} hit first{default}")
                rows = []
                for _ in range(r.randint(1, 5)):
                    cells = [r.choice(["any", "standard", "in {express, local}"]) if self.facts[i] == "kind" else
                             r.choice(["any", "otherwise", self.literal(self.facts[i])]) if self.facts[i] == "bool" else
                             r.choice(["any", "otherwise", self.literal(self.facts[i]), f">= {self.literal(self.facts[i])}"])
                             for i in ins]
                    rows.append(f"  row {', '.join(cells)} => {self.literal(typ)}{self.cite()}")
                out.append(f"table {self.name('t')} for {name}{self.cite()}:\n  given {', '.join(ins)}\n" + "\n".join(rows))
            if roll < 0.4 or default:
                self.decisions[name] = typ  # always has a value: others may read it without a presence test
        if len(dates) >= 2 and r.random() < 0.6:
            a, b = r.sample(dates, 2)
            w = self.name("w")
            out.append(f"window {w} = {r.choice('[(')}{a}, {b} + {self.literal('days')}{r.choice(')]')}{self.cite()}")
            out.append(f"property {self.name('pr')}{self.cite()}: {r.choice(['always', 'never', 'possible'])} "
                       f"{r.choice([f'{w} is empty', f'{a} in {w}', self.expr('bool')])}")
        if r.random() < 0.5:
            out.append(f"property {self.name('pr')}{self.cite()}: {r.choice(['always', 'never', 'possible'])} {self.expr('bool')}")
        if r.random() < 0.3 and self.facts and self.decisions:
            given = ", ".join(f"{n} = {self.literal(t.rstrip('?'))}" for n, t in list(self.facts.items())[:4])
            d, t = r.choice(list(self.decisions.items()))
            out.append(f'example "{r.choice(HOSTILE)}"{self.cite()}:\n  given {given}\n  expect {d} = {self.literal(t)}')
        text = "\n".join(out) + "\n"
        if r.random() < 0.1:
            text = text.replace("\n", r.choice(["\r\n", "\r", "\n\n"] + ([" \\\n"] if self.extreme else [])))
        return text


GENERATORS = {"mutate": (g_mutate, 30), "bytes": (g_bytes, 10), "unicode": (g_unicode, 12), "truncate": (g_truncate, 8),
              "generate": (g_generate, 25), "deep": (g_deep, 5), "multi": (g_multi, 10), "clash": (g_clash, 8)}
_KINDS = [k for k, (_, w) in GENERATORS.items() for _ in range(w)]


def make_input(seed: int, index: int) -> tuple[str, dict[str, str]]:
    """Input `index` of run `seed`: (generator, files); the same on every run."""
    _init_seeds()
    r = random.Random(f"{seed}:{index}")
    kind = r.choice(_KINDS)
    return kind, GENERATORS[kind][0](r)


# ------------------------------------------------------------------ the check of one input


class Hang(BaseException):
    """Raised by SIGALRM past the hard time limit (a BaseException: no `except Exception` eats it)."""


def _alarm(signum, frame):
    raise Hang()


def _fake_facts(pack, r: random.Random) -> dict:
    facts = {}
    for name, fact in pack.facts.items():
        kind = fact.type.kind
        if r.random() < 0.3:
            continue
        if kind == "date":
            facts[name] = r.choice(["2026-01-01", "2026-03-02", "0001-01-01", "9999-12-31"])
        elif kind == "datetime":
            facts[name] = "2026-03-02T10:00"
        elif kind in ("int", "duration"):
            facts[name] = r.choice([0, 1, 5, 100, 10**15, -1])
        elif kind in ("decimal", "rate", "money"):
            facts[name] = r.choice([0, 1.5, 100, 1e15])
        elif kind == "bool":
            facts[name] = r.random() < 0.5
        elif kind == "enum":
            facts[name] = r.choice(list(fact.type.members))
        elif kind == "set":
            facts[name] = list(fact.type.element.members)[: r.randint(0, 3)]
        else:
            facts[name] = "x"
    return facts


def check_input(files: dict[str, str], run_checks_too: bool = False, seed: int = 0) -> dict:
    """Run one input through the front end (and the evaluator when it loads); raise on a bug.

    Returns {"ok": loaded, "codes": [...], "frontend_s": seconds, "evaluator_s": seconds}.
    """
    started = time.perf_counter()
    result = load_texts(files)
    render_text(result.diagnostics)
    json.loads(render_json(result.diagnostics))
    for diag in result.diagnostics:
        assert diag.code in CODES, f"unregistered code {diag.code}"
        span = diag.primary.span
        assert 0 <= span.start <= span.end <= len(span.source.text), f"{diag.code}: span {span.start}..{span.end} outside"
        assert "\n" not in diag.message, f"{diag.code}: message has a newline"
    frontend = time.perf_counter() - started
    evaluator = 0.0
    if result.ok:
        from ruleproof.checker.decisions import decide_json
        from ruleproof.checker.evaluate import CompiledPack
        from ruleproof.checker.values import InvalidFacts

        started = time.perf_counter()
        compiled = CompiledPack(result.pack)
        r = random.Random(seed)
        for facts in ({}, _fake_facts(result.pack, r), _fake_facts(result.pack, r)):
            try:
                json.dumps(decide_json(compiled, facts, explain=True))
            except InvalidFacts:
                pass
        if run_checks_too:
            from ruleproof.checker.checks import run_checks

            report = run_checks(result.pack, timeout_ms=20, jobs=1)
            render_text(report.findings)
            json.loads(render_json(report.findings))
        evaluator = time.perf_counter() - started
    return {"ok": result.ok, "codes": sorted({d.code for d in result.diagnostics}), "frontend_s": frontend,
            "evaluator_s": evaluator}


def _failure_key(exc: BaseException) -> str:
    """Where a failure happened: the exception type and the innermost frame in our code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/checker/" in f.filename or "/server/" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


# ------------------------------------------------------------------ workers


def _run_chunk(args: tuple) -> dict:
    seed, start, stop, budget, hard, checks_every = args
    _init_seeds()
    signal.signal(signal.SIGALRM, _alarm)
    stats = {"inputs": 0, "by_kind": Counter(), "loaded": 0, "codes": Counter(), "failures": [], "slow": [],
             "slowest": [], "frontend_s": 0.0, "evaluator_s": 0.0, "checked": 0, "slowest_frontend": (0.0, -1, "", 0)}
    for index in range(start, stop):
        kind, files = make_input(seed, index)
        stats["inputs"] += 1
        stats["by_kind"][kind] += 1
        size = sum(len(t) for t in files.values())
        run_checks_too = False
        began = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, hard)
        try:
            run_checks_too = checks_every > 0 and index % checks_every == 0  # when it loads
            out = check_input(files, run_checks_too, seed=index)
        except Hang:
            out = None
            stats["failures"].append({"index": index, "kind": kind, "size": size, "failure": f"hang over {hard:g} s"})
        except Exception as exc:  # noqa: BLE001 (any exception is the finding)
            out = None
            stats["failures"].append({"index": index, "kind": kind, "size": size, "failure": _failure_key(exc),
                                      "message": str(exc)[:300]})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - began
        if out is not None:
            stats["frontend_s"] += out["frontend_s"]
            stats["evaluator_s"] += out["evaluator_s"]
            if out["ok"]:
                stats["loaded"] += 1
                stats["checked"] += run_checks_too
            stats["codes"].update(out["codes"])
            if out["frontend_s"] > budget:
                stats["slow"].append({"index": index, "kind": kind, "size": size, "seconds": round(out["frontend_s"], 3)})
        if out is not None and out["frontend_s"] > stats["slowest_frontend"][0]:
            stats["slowest_frontend"] = (round(out["frontend_s"], 4), index, kind, size)
        entry = (elapsed, index, kind, size, round(out["frontend_s"], 4) if out else None)
        stats["slowest"] = sorted(stats["slowest"] + [entry], reverse=True)[:5]
    return stats


def run(n: int, seed: int, jobs: int, budget: float, hard: float, checks_every: int, chunk: int = 500,
        progress: bool = True) -> dict:
    _init_seeds()
    chunks = [(seed, s, min(n, s + chunk), budget, hard, checks_every) for s in range(0, n, chunk)]
    total = {"inputs": 0, "by_kind": Counter(), "loaded": 0, "codes": Counter(), "failures": [], "slow": [],
             "slowest": [], "frontend_s": 0.0, "evaluator_s": 0.0, "checked": 0, "slowest_frontend": (0.0, -1, "", 0)}
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs, maxtasksperchild=20) as pool:
        for part in pool.imap_unordered(_run_chunk, chunks):
            for key in ("inputs", "loaded", "frontend_s", "evaluator_s", "checked"):
                total[key] += part[key]
            total["by_kind"].update(part["by_kind"])
            total["codes"].update(part["codes"])
            total["failures"] += part["failures"]
            total["slow"] += part["slow"]
            total["slowest"] = sorted(total["slowest"] + part["slowest"], reverse=True)[:10]
            total["slowest_frontend"] = max(total["slowest_frontend"], part["slowest_frontend"])
            if progress:
                print(f"  {total['inputs']:>7,} inputs, {len(total['failures'])} failures, "
                      f"{time.perf_counter() - started:6.0f} s", file=sys.stderr, flush=True)
    total["seconds"] = time.perf_counter() - started
    return total


# ------------------------------------------------------------------ reducing a failure


def reduce_failure(files: dict[str, str], key: str, hard: float, limit: int = 400) -> dict[str, str]:
    """A smaller input failing the same way (lines, then characters; at most `limit` tries)."""
    def fails(candidate: dict[str, str]) -> bool:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, hard)
        try:
            check_input(candidate)
            return False
        except Hang:
            return key.startswith("hang")
        except Exception as exc:  # noqa: BLE001
            return _failure_key(exc) == key
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    tries = 0
    current = dict(files)
    for name in list(current):
        for unit in ("lines", "chars"):
            parts = current[name].splitlines(keepends=True) if unit == "lines" else list(current[name])
            size = max(1, len(parts) // 2)
            while size >= 1 and tries < limit:
                i, changed = 0, False
                while i < len(parts) and tries < limit:
                    candidate = parts[:i] + parts[i + size:]
                    tries += 1
                    if fails({**current, name: "".join(candidate)}):
                        parts, changed = candidate, True
                    else:
                        i += size
                current[name] = "".join(parts)
                if not changed:
                    size //= 2
    return current


# ------------------------------------------------------------------ atheris


def run_atheris(runs: int, extra: list[str], out: Path) -> int:
    import atheris

    _init_seeds()
    corpus = Path(os.environ.get("TMPDIR", "/tmp")) / "ruleproof-atheris-corpus"
    corpus.mkdir(exist_ok=True)
    for i, text in enumerate(SEEDS[:200]):
        (corpus / f"seed{i}").write_bytes(text.encode("utf-8"))

    def one(data: bytes) -> None:
        text = data.decode("utf-8", errors="surrogateescape")
        check_input({"f.rules": text})

    atheris.instrument_all()  # coverage of every loaded Python function: the checker, Lark, the rest
    out.mkdir(parents=True, exist_ok=True)
    atheris.Setup([sys.argv[0], f"-runs={runs}", "-max_len=20000", "-timeout=20", "-rss_limit_mb=4096",
                   f"-artifact_prefix={out}/", *extra, str(corpus)], one)
    atheris.Fuzz()
    return 0


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="inputs to run")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--budget", type=float, default=2.0, help="flag an input whose front end takes longer (s)")
    parser.add_argument("--hard-timeout", type=float, default=30.0, help="stop an input after this long (s): a hang")
    parser.add_argument("--checks", type=int, default=10, metavar="K",
                        help="run the formal checks on the packs that load among every K-th input (0: never)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "fuzz-out", help="where failing inputs go")
    parser.add_argument("--reduce", action="store_true", help="reduce each distinct failure to a small input")
    parser.add_argument("--json", type=Path, help="write the summary here")
    parser.add_argument("--show", type=int, metavar="I", help="print input I of --seed and check it")
    parser.add_argument("--atheris", type=int, metavar="RUNS", help="run atheris for RUNS runs instead")
    args, extra = parser.parse_known_args(argv)

    if args.atheris is not None:
        return run_atheris(args.atheris, extra, args.out)
    if args.show is not None:
        kind, files = make_input(args.seed, args.show)
        for name, text in files.items():
            print(f"# --- {kind}: {name} ({len(text)} characters)\n{text!r}" if len(text) > 5000 else
                  f"# --- {kind}: {name}\n{text}")
        print(check_input(files, args.checks > 0 and args.show % args.checks == 0, seed=args.show))
        return 0

    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {args.jobs} "
          f"processes; seed {args.seed}; {len(seed_texts())} seed texts; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    total = run(args.n, args.seed, args.jobs, args.budget, args.hard_timeout, args.checks)
    failures = total["failures"]
    distinct: dict[str, dict] = {}
    for f in failures:
        distinct.setdefault(f["failure"], f)
    if failures:
        args.out.mkdir(parents=True, exist_ok=True)
        for key, f in distinct.items():
            _, files = make_input(args.seed, f["index"])
            if args.reduce:
                files = reduce_failure(files, key, args.hard_timeout)
            digest = hashlib.sha1(key.encode()).hexdigest()[:10]
            (args.out / f"{digest}.json").write_text(json.dumps({"failure": key, "index": f["index"], "seed": args.seed,
                                                                  "kind": f["kind"], "files": files}, indent=1))
    slowest = total["slowest"][0] if total["slowest"] else None
    summary = {
        "inputs": total["inputs"], "seed": args.seed, "processes": args.jobs, "seconds": round(total["seconds"], 1),
        "inputs_per_s": round(total["inputs"] / total["seconds"], 1), "by_generator": dict(total["by_kind"]),
        "loaded_ok": total["loaded"], "formal_checks_run": total["checked"],
        "frontend_cpu_s": round(total["frontend_s"], 1), "evaluator_cpu_s": round(total["evaluator_s"], 1),
        "crashes": sum(1 for f in failures if not f["failure"].startswith("hang")),
        "hangs": sum(1 for f in failures if f["failure"].startswith("hang")),
        "distinct_failures": {k: {"count": sum(1 for f in failures if f["failure"] == k), "first_index": v["index"],
                                  "kind": v["kind"], "message": v.get("message", "")} for k, v in distinct.items()},
        "over_budget": len(total["slow"]), "budget_s": args.budget, "over_budget_inputs": total["slow"][:20],
        "slowest": [{"seconds": round(s, 3), "index": i, "kind": k, "characters": z, "frontend_s": fe}
                    for s, i, k, z, fe in total["slowest"]],
        "slowest_frontend": dict(zip(("seconds", "index", "kind", "characters"), total["slowest_frontend"])),
        "diagnostic_codes_seen": len(total["codes"]),
    }
    print(json.dumps(summary, indent=1))
    if slowest:
        seconds, index, kind, size = total["slowest_frontend"]
        print(f"# slowest input: #{slowest[1]} ({slowest[2]}, {slowest[3]:,} characters) {slowest[0]:.3f} s in all; "
              f"slowest front end: #{index} ({kind}, {size:,} characters) {seconds:.3f} s")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
