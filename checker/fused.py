"""One generated function per requested set of decisions (a plan): every decision of the plan
inlined in straight-line code, from IR facts or straight from wire facts.

`plan_function(compiled, order, wanted)` decides `order` (dependencies first) from IR facts F
(as `checker.values.read_facts` returns them) and returns the `Outcome` of the decisions
`wanted` (all if None): their values and undetermined reasons, and every decision computed.
Only what the outcome holds is built: a decision the caller did not ask for is kept in
`computed` alone (and, if it could not be decided, among the reasons a later decision reading
it reports). `plan_function(compiled, order, wanted, wire=True)` takes the wire facts instead
and converts, once, into locals, only the facts the plan reads, then decides from those
locals: no dict of converted facts is built. It also decides a decision not asked for only
where a rule reads it (a function of its own, `_Z{i}`, called at the first read and kept in D):
the values and reasons asked for are the same, but `computed` holds only what was read.

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

from ruleproof.checker import ir
from ruleproof.checker.evaluate import LARGE, ExprCompiler, Outcome, decision_lines
from ruleproof.checker.semantics.kinds import EXACT_KINDS
from ruleproof.checker.semantics.outcomes import NO_RULE_APPLIES, Cause, Undetermined
from ruleproof.checker.values import Unusual, converters, known_days

UNROLLED = 8  # a "no rule applies" answer tests up to this many optional facts one by one


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


def plan_function(compiled, order: list[str], wanted: frozenset[str] | None, wire: bool = False):
    """The function deciding `order` in turn (see the module's docstring), or None for a wire
    function over a plan with a large decision (those read a dict of facts: see
    evaluate._large_decision_source)."""
    pack = compiled.pack
    if wire and any(len(pack.decisions[n].rules) > LARGE for n in order):
        return None
    facts = sorted(set().union(*(compiled.fact_dependencies[n] for n in order))) if order else []
    local = {name: f"F{j}" for j, name in enumerate(facts)}
    required = {f for f in facts if not pack.facts[f].type.optional and not pack.facts[f].has_default}

    def fact_source(name: str) -> str:
        if name in required:
            return f"({local[name]} if {local[name]} is not NOT_SENT else _unsent({name!r}))"
        return local[name]

    # the wire function decides a decision not asked for only where a rule reads it (see _lazy)
    lazy = [n for n in order if wire and wanted is not None and n not in wanted]
    calls = {name: f"_Z{i}(R, U, P, D{''.join(', ' + local[f] for f in sorted(compiled.fact_dependencies[name]))})"
             for i, name in enumerate(lazy)}

    def decision_source(name: str) -> str | None:
        return f"(D[{name!r}] if {name!r} in D else {calls[name]})" if name in calls else None

    compiler = ExprCompiler(fact_source if wire else None, decision_source)
    namespace = dict(compiled._namespace, K=compiler.constants, Undetermined=Undetermined, NO_VALUE=NO_RULE_APPLIES,
                     NO_VALUE_CAUSE=Cause.NO_VALUE, NOT_SENT=NOT_SENT, _unsent=_unsent, Unusual=Unusual,
                     Outcome=Outcome, _new=object.__new__)
    functions = [_lazy(compiled, i, name, calls[name], compiler, local, required, namespace) for i, name in enumerate(lazy)]
    lines = ["def run(R):" if wire else "def run(F):"]
    if wire:
        lines += _reading(pack, facts, local, namespace)
    # D: every decision computed; V, U: the values and reasons asked for; P: the reasons of the
    # decisions not asked for that could not be decided (a later decision reading one reports it)
    lines += ["    D = {}", "    U = {}", "    V = {}", "    P = {}"]
    for i, name in enumerate(order):
        if name in calls:
            continue
        asked = wanted is None or name in wanted
        decision = pack.decisions[name]
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
            absent = ["            A = []"] + [f"            if {local[f]} is None: A.append({f!r})" for f in optional]
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
    lines += ["    o = _new(Outcome)", "    o.values = V", "    o.undetermined = U", "    o.computed = D", "    return o"]
    namespace["_missing"] = compiled._missing
    exec(compile("\n\n".join(["\n".join(lines), *functions]), f"<{'wire ' if wire else ''}decisions {len(order)}>", "exec"),
         namespace)
    return namespace["run"]


def _lazy(compiled, i: int, name: str, call: str, compiler: ExprCompiler, local: dict[str, str], required: set[str],
          namespace: dict) -> str:
    """The function `_Z{i}` deciding `name` (a decision not asked for) when a rule reads it:
    it stores the value in D and returns it, or stores the reason in P and raises KeyError(name),
    as reading it from D after it failed would."""
    deps = sorted(compiled.fact_dependencies[name])
    filled = {f for f in local if f not in required}
    namespace[f"_N{i}"] = _missing_sent(compiled, name, [f for f in deps if f in required], filled)
    n = repr(name)
    return "\n".join([
        f"def {call}:",
        "    try:",
        "        while True:",
        *("        " + line for line in decision_lines(compiled.pack.decisions[name], compiler, _breaking)),
        "    except KeyError as e:",
        f"        P[{n}] = _N{i}(R, U, P, e.args[0])",
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
