"""One generated function per requested set of decisions (a plan): every decision of the plan
inlined in straight-line code, from IR facts or straight from wire facts.

`plan_function(compiled, order, wanted)` decides `order` (dependencies first) from IR facts F
(as `checker.values.read_facts` returns them) and returns the `Outcome` of the decisions
`wanted` (all if None): their values and undetermined reasons, and the decisions computed.
A decision not asked for is decided only where a rule reads it (a function of its own,
`_Z{i}`, called at the first read and kept in D; if it could not be decided, its reason is
among those a later decision reading it reports): the values and reasons asked for are those
of deciding every dependency in order, but `computed` holds only what was read. With
`complete=True` every dependency is decided in order and kept in `computed` (what traces and
timelines read). `plan_function(compiled, order, wanted, wire=True)` takes the wire facts
instead and converts, once, into locals, only the facts the plan reads, then decides from
those locals (lazily, as above): no dict of converted facts is built.

The wire function accepts only what `read_facts` accepts the same way: each value the plan
reads goes through the fact's own converter (`values.converters`), or through an inline test
for the identity cases that converter accepts unchanged (an int in range, a bool, an enum
member, a date already seen); every other fact sent is checked by its converter too.
Anything else (an unknown name, a value a converter does not take, not an object) raises
`values.Unusual`, and the caller reads the case with `read_facts` instead, which refuses it
with its messages or converts it the slow way: the fused path never decides what is accepted.

Each decision's body is `evaluate.decision_lines` with its `return` turned into an assignment
and a `break` out of a loop run once, inside the `try` that records undetermined outcomes: the
same code, the same order of evaluation, the same exceptions as the decision's own function.
"""

from __future__ import annotations

import re

from ruleproof.checker import ir
from ruleproof.checker.evaluate import LARGE, ExprCompiler, Outcome, decision_lines
from ruleproof.checker.semantics.kinds import EXACT_KINDS
from ruleproof.checker.semantics.outcomes import NO_RULE_APPLIES, Cause, Undetermined
from ruleproof.checker.specialize import specialize
from ruleproof.checker.values import Unusual, converters, known_days

UNROLLED = 8  # a "no rule applies" answer tests up to this many optional facts one by one
SHAPE_AFTER = 8  # wire facts objects with the same keys seen before a function is made for them
MAX_SHAPES = 64  # functions specialised to the keys of wire facts objects, per plan
MAX_PACK_SHAPES = 512  # and per compiled pack, whatever lists of decisions callers ask for


def _breaking(value: str) -> str:
    return f"v = {value}; break"


class _NotSent:
    """The value of a required fact the case does not send (reading it raises KeyError)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_SENT"


NOT_SENT = _NotSent()


def _unsent(name: str):
    raise KeyError(name)


def wire_decider(compiled, order: list[str], wanted: frozenset[str] | None) -> tuple:
    """What `CompiledPack.decide_wire` runs for a plan: its wire function (None if it has
    none), the functions specialised to key sets by key set, and `shape(key)`, the function for
    facts objects with the keys `key` (specialised once they have been seen SHAPE_AFTER times)."""
    run = plan_function(compiled, order, wanted, wire=True)
    shaped: dict[tuple[str, ...], object] = {}
    seen: dict[tuple[str, ...], int] = {}

    def shape(key: tuple[str, ...]):
        count = seen[key] = seen.get(key, 0) + 1
        if run is None or count < SHAPE_AFTER or len(shaped) >= MAX_SHAPES or compiled.shapes >= MAX_PACK_SHAPES:
            if len(seen) >= 16 * MAX_SHAPES:  # keys that never come back must not grow it without bound
                seen.clear()
            return run
        shaped[key] = plan_function(compiled, order, wanted, wire=True, sent=key) or run
        compiled.shapes += 1
        return shaped[key]
    return run, shaped, shape


def plan_function(compiled, order: list[str], wanted: frozenset[str] | None, wire: bool = False,
                  sent: tuple[str, ...] | None = None, complete: bool = False):
    """The function deciding `order` in turn (see the module's docstring), or None for a wire
    function over a plan with a large decision (those read a dict of facts: see
    evaluate._large_decision_source). With `sent` (wire only), a function for the wire facts
    objects whose keys are exactly `sent`, in that order, with its decisions folded for them
    (checker/specialize.py); None if `sent` names something that is not a fact. `complete`
    (IR facts only): every decision of `order` decided and kept in `computed`."""
    pack = compiled.pack
    if wire and any(len(pack.decisions[n].rules) > LARGE for n in order):
        return None
    if sent is not None and not all(name in pack.facts for name in sent):
        return None
    facts = sorted(set().union(*(compiled.fact_dependencies[n] for n in order))) if order else []
    decisions, constants = (specialize(compiled, order, facts, frozenset(sent)) if sent is not None
                            else (pack.decisions, {}))
    local = {name: f"F{j}" for j, name in enumerate(facts)}
    required = {f for f in facts if not pack.facts[f].type.optional and not pack.facts[f].has_default}

    def fact_source(name: str) -> str:
        if name not in required or sent is not None and name in sent:
            return local[name]
        if sent is not None:
            return f"_unsent({name!r})"
        return f"({local[name]} if {local[name]} is not NOT_SENT else _unsent({name!r}))"

    # a decision not asked for is decided only where a rule reads it (see _lazy); not in a plan
    # from IR facts with a large decision, whose own function reads what it needs from D
    large = any(len(decisions[n].rules) > LARGE for n in order)
    lazy = [n for n in order if not complete and not large and wanted is not None and n not in wanted
            and n not in constants]
    # @i@: _Z{i}'s fact locals (see _taking); from IR facts the functions read F
    calls = {name: f"_Z{i}(R, U, P, D@{i}@)" if wire else f"_Z{i}(F, U, P, D)" for i, name in enumerate(lazy)}

    def decision_source(name: str) -> str | None:
        return f"(D[{name!r}] if {name!r} in D else {calls[name]})" if name in calls else None

    compiler = ExprCompiler(fact_source if wire else None, decision_source)
    namespace = dict(compiled._namespace, K=compiler.constants, Undetermined=Undetermined, NO_VALUE=NO_RULE_APPLIES,
                     NO_VALUE_CAUSE=Cause.NO_VALUE, NOT_SENT=NOT_SENT, _unsent=_unsent, Unusual=Unusual,
                     Outcome=Outcome, _new=object.__new__)
    functions = [_lazy(compiled, i, decisions[name], calls[name], compiler, local, required, namespace, wire)
                 for i, name in enumerate(lazy)]
    lines = []
    # D: every decision computed; V, U: the values and reasons asked for; P: the reasons of the
    # decisions not asked for that could not be decided (a later decision reading one reports it)
    lines += ["    D = {}", "    U = {}", "    V = {}", "    P = {}"]
    for i, name in enumerate(order):
        asked = wanted is None or name in wanted
        if name in calls or name in constants and not asked:  # decided where read; folded away
            continue
        decision = decisions[name]
        n = repr(name)
        if len(decision.rules) > LARGE:
            namespace[f"_L{i}"] = compiled.deciders[name]
            body = [f"        v = _L{i}(F, D)"]
        else:
            body = ["        while True:", *("        " + line for line in decision_lines(decision, compiler, _breaking))]
        deps = sorted(compiled.fact_dependencies[name])
        optional = [f for f in deps if pack.facts[f].type.optional]
        if wire:
            namespace[f"_M{i}"] = _missing_sent(compiled, name, [f for f in deps if f in required],
                                                {f for f in facts if f not in required})
            missing = f"_M{i}(R, U, P, e.args[0])"
            absent = ["            A = []"] + [f"            if {local[f]} is None: A.append({f!r})" if sent is None or f in sent
                                                    or pack.facts[f].has_default else f"            A.append({f!r})"
                                                    for f in optional]
        else:
            namespace[f"_S{i}"] = tuple(optional)
            missing = f"_missing({n}, F, U, P, e.args[0])"
            absent = (["            A = []"] + [f"            if F.get({f!r}, 0) is None: A.append({f!r})" for f in optional]
                      if len(optional) <= UNROLLED else [f"            A = [f for f in _S{i} if F.get(f, 0) is None]"])
        reasons = "U" if asked else "P"
        lines += [
            "    try:",
            *body,
            "    except KeyError as e:",
            f"        {reasons}[{n}] = {missing}",
            "    except Undetermined as e:",
            f"        {reasons}[{n}] = {{'reason': e.reason, 'cause': e.cause, 'depends_on': [], 'rules': list(e.rules)}}",
            "    else:",
        ]
        if asked:
            lines += [
                "        if v is None:",
                *(absent if optional else ["            A = []"]),
                f"            U[{n}] = {{'reason': NO_VALUE, 'cause': NO_VALUE_CAUSE, 'depends_on': A}}",
                "        else:",
                f"            V[{n}] = v",
            ]
        lines.append(f"        D[{n}] = v")
    # the Outcome's fields set as its __init__ would set them, without the call to __init__
    lines += ["    o = _new(Outcome)", "    o.values = V", "    o.undetermined = U", "    o.computed = D",
              f"    o.complete = {not lazy}", "    return o"]
    namespace["_missing"] = compiled._missing
    body, *functions = _taking(["\n".join(lines), *functions])
    if not wire:
        head = ["def run(F):"]
    elif sent is None:
        head = ["def run(R):", *_reading(pack, facts, local, namespace)]
    else:
        head = ["def run(R):", *_reading_sent(pack, facts, local, sent, set(FACT_LOCAL.findall(body)), namespace)]
    exec(compile("\n\n".join(["\n".join([*head, body]), *functions]), f"<{'wire ' if wire else ''}decisions {len(order)}>",
                 "exec"), namespace)
    return namespace["run"]


FACT_LOCAL = re.compile(r"\bF\d+\b")
CALL_FACTS = re.compile(r"@(\d+)@")


def _taking(texts: list[str]) -> list[str]:
    """`texts` (the plan's body, then each `_Z{i}` in order) with each `@i@` written out as the
    facts `_Z{i}` takes: the locals its body reads, and those of the functions it calls (which
    come before it, as the decisions they decide come first)."""
    takes: dict[int, list[str]] = {}
    for i, text in enumerate(texts[1:]):
        used = set(FACT_LOCAL.findall(text))
        used.update(*(takes[int(j)] for j in CALL_FACTS.findall(text) if int(j) != i))
        takes[i] = sorted(used, key=lambda x: int(x[1:]))
    return [CALL_FACTS.sub(lambda m: "".join(", " + x for x in takes[int(m[1])]), text) for text in texts]


def _lazy(compiled, i: int, decision: ir.Decision, call: str, compiler: ExprCompiler, local: dict[str, str],
          required: set[str], namespace: dict, wire: bool) -> str:
    """The function `_Z{i}` deciding `decision` (one not asked for) when a rule reads it: it
    stores the value in D and returns it, or stores the reason in P and raises KeyError(name),
    as reading it from D after it failed would."""
    name = decision.name
    n = repr(name)
    if wire:
        deps = sorted(compiled.fact_dependencies[name])
        filled = {f for f in local if f not in required}
        namespace[f"_N{i}"] = _missing_sent(compiled, name, [f for f in deps if f in required], filled)
        missing = f"_N{i}(R, U, P, e.args[0])"
    else:
        missing = f"_missing({n}, F, U, P, e.args[0])"
    return "\n".join([
        f"def {call}:",
        "    try:",
        "        while True:",
        *("        " + line for line in decision_lines(decision, compiler, _breaking)),
        "    except KeyError as e:",
        f"        P[{n}] = {missing}",
        "    except Undetermined as e:",
        f"        P[{n}] = {{'reason': e.reason, 'cause': e.cause, 'depends_on': [], 'rules': list(e.rules)}}",
        "    else:",
        f"        D[{n}] = v",
        "        return v",
        f"    raise KeyError({n})",
    ])


def _reading(pack: ir.Pack, facts: list[str], local: dict[str, str], namespace: dict) -> list[str]:
    """The lines binding each fact the plan reads to a local, converted from the wire value in
    R, and checking every other fact R sends; any value not taken raises Unusual."""
    convert = converters(pack)
    namespace.update(_C=convert, _PLAN=frozenset(facts), _DAYS_get=known_days().get)
    lines = ["    if type(R) is not dict: raise Unusual", "    n = 0"]
    for name in facts:
        fact = pack.facts[name]
        x = local[name]
        namespace[f"_C{x}"] = convert[name]
        if fact.has_default:
            namespace[f"_D{x}"] = fact.default
            unsent = f"_D{x}"
        else:
            unsent = "None" if fact.type.optional else "NOT_SENT"
        lines += [f"    {x} = R.get({name!r}, NOT_SENT)",
                  f"    if {x} is NOT_SENT: {x} = {unsent}" if unsent != "NOT_SENT" else f"    if {x} is not NOT_SENT:"]
        if unsent != "NOT_SENT":
            lines.append("    else:")
        lines += ["        n += 1", *("        " + line for line in _converting(fact, x, namespace))]
    lines.append("    if n != len(R): _rest(R, _PLAN, _C)")
    namespace["_rest"] = _rest
    return lines


def _reading_sent(pack: ir.Pack, facts: list[str], local: dict[str, str], sent: tuple[str, ...], used: set[str],
                  namespace: dict) -> list[str]:
    """`_reading` for a wire facts object whose keys are `sent` (the caller checked): each fact
    sent read and converted, every other one whose local is `used` bound to its value when not
    sent."""
    convert = converters(pack)
    namespace.update(_DAYS_get=known_days().get)
    lines = []
    for name in facts:
        fact = pack.facts[name]
        x = local[name]
        namespace[f"_C{x}"] = convert[name]
        if name in sent:
            lines += [f"    {x} = R[{name!r}]", *("    " + line for line in _converting(fact, x, namespace))]
        elif x not in used:
            continue
        elif fact.has_default:
            namespace[f"_D{x}"] = fact.default
            lines.append(f"    {x} = _D{x}")
        else:
            lines.append(f"    {x} = {'None' if fact.type.optional else 'NOT_SENT'}")
    for j, name in enumerate(n for n in sent if n not in local):
        namespace[f"_X{j}"] = convert[name]
        lines.append(f"    _X{j}(R[{name!r}])")
    return lines


def _converting(fact: ir.Fact, x: str, namespace: dict) -> list[str]:
    """`x` (holding the wire value) converted in place: inline where the converter would return
    the value unchanged (or a day it has seen), else through the converter."""
    kind = fact.type.kind
    through = f"{x} = _C{x}({x})"
    if kind == "date":
        return [f"d = _DAYS_get({x}) if type({x}) is str else None", f"{x} = d if d is not None else _C{x}({x})"]
    if kind in ("int", "duration"):
        test = f"type({x}) is int" + (f" and {fact.low!r} <= {x} <= {fact.high!r}" if fact.low is not None else "")
    elif kind == "bool":
        test = f"type({x}) is bool"
    elif kind == "string":
        test = f"type({x}) is str"
    elif kind == "enum":
        namespace[f"_E{x}"] = frozenset(fact.type.members)
        test = f"type({x}) is str and {x} in _E{x}"
    elif kind in EXACT_KINDS:
        test = f"type({x}) is int"
    else:
        return [through]
    return [f"if not ({test}): {through}"]


def _rest(raw: dict, plan: frozenset[str], convert: dict) -> None:
    """Check the facts `raw` sends that the plan does not read: raise Unusual on an unknown name
    or a value its converter does not take."""
    for name, value in raw.items():
        if name not in plan:
            check = convert.get(name)
            if check is None:
                raise Unusual
            check(value)


def _missing_sent(compiled, name: str, required: list[str], filled: set[str]):
    """`CompiledPack._missing` for the wire function: the case's facts are those R sends and
    those filled (optional, defaulted), so a fact is missing when it is required and not sent."""
    decisions = compiled.pack.decisions

    def missing(raw: dict, asked: dict[str, dict], others: dict[str, dict], key: str) -> dict:
        needed = [f for f in required if f not in raw]
        upstream = key in decisions and key not in raw and key not in filled
        return missing_reason(key, needed, asked.get(key) or others.get(key, {}) if upstream else None)
    return missing


def missing_reason(key: str, needed: list[str], upstream: dict | None) -> dict:
    """Why a decision reading `key` is undetermined: the case lacks the facts `needed` (those
    it depends on that were not given, in order), or (`upstream`: the reason given for it,
    if any) `key` is a decision that could not be decided."""
    if upstream is not None:
        return {"reason": f"`{key}` is undetermined", "cause": upstream.get("cause", MISSING_FACT),
                "depends_on": needed or upstream.get("depends_on", [])}
    return {"reason": "missing facts", "cause": MISSING_FACT, "depends_on": needed}


MISSING_FACT = Cause.MISSING_FACT  # (an attribute of an enum class costs a lookup through its metaclass)
