"""`ruleproof decide` and `ruleproof when`: one case decided, or what stays possible when facts
are missing (`--partial`), or the days on which a decision holds."""

from __future__ import annotations

import argparse
import json
import sys

from ruleproof.checker import ir
from ruleproof.checker.decisions import decide_json, decision_text, require_decisions
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.partial import holding_days, partial_decisions
from ruleproof.checker.values import FactError, InvalidFacts, read_facts
from ruleproof.common import EXIT_OK, EXIT_USAGE, UsageError, load_ok, read_json, write_json
from ruleproof.output import emit


def cmd_decide(args: argparse.Namespace) -> int:
    """Decide one case (facts as JSON) and print decisions, undetermined ones and the trace."""
    result = load_ok(args.pack)
    compiled = CompiledPack(result.pack)
    names = args.decision or None
    try:
        raw = read_json(args.facts)
        from ruleproof.server.strictjson import huge_numbers

        huge = huge_numbers(raw)
        if huge:
            raise InvalidFacts([FactError(e["path"], e["message"]) for e in huge])
        if args.partial:
            known = read_facts(result.pack, raw, fill_absent=False)
            require_decisions(result.pack, names)
            partial = partial_decisions(result.pack, known, names)
            if args.format == "json":
                write_json({"pack": result.pack.name, "version": result.pack.version, "partial": partial})
            else:
                emit(partial_text(result.pack, partial), args.color)
            return EXIT_OK
        decided = decide_json(compiled, raw, names, explain=True)
    except InvalidFacts as err:
        return report_invalid(err)
    if args.format == "json":
        write_json(decided)
    else:
        emit(decision_text(decided, result.pack), args.color)
    return EXIT_OK


def partial_text(pack: ir.Pack, partial: dict) -> str:
    """The readable form of `decide --partial`: per decision, its forced value, or the values it
    can still take and the missing facts it depends on; witnesses stay in the JSON form."""
    lines = [f"{pack.name} {pack.version}: what the given facts settle"]
    if "error" in partial:
        return "\n".join(lines + [f"  no case: {partial['error']['reason']}"]) + "\n"
    width = max((len(n) for n in partial), default=0)
    settled = 0
    for name, entry in partial.items():
        needs = f"  (depends on {', '.join(entry['depends_on'])})" if entry.get("depends_on") else ""
        if "unknown" in entry:
            lines.append(f"  {name.ljust(width)}  unknown: the solver gave up ({entry['unknown']})")
        elif "forced" in entry:
            settled += 1
            shown = "no value" if entry["forced"] is None else _show(entry["forced"])
            lines.append(f"  {name.ljust(width)}  = {shown}")
        elif "undetermined" in entry and "values" not in entry:
            settled += 1
            lines.append(f"  {name.ljust(width)}  undetermined: {entry['undetermined']}")
        else:
            options = [_outcome(o) for o in entry["values"]] + (["…"] if entry.get("more") else [])
            lines.append(f"  {name.ljust(width)}  one of {', '.join(options)}{needs}")
    lines.append(f"{settled} of {len(partial)} decisions settled; the others depend on missing facts "
                 "(--format json gives a witness case for each outcome)")
    return "\n".join(lines) + "\n"


def _outcome(outcome: dict) -> str:
    if "value" in outcome:
        return _show(outcome["value"])
    if "undetermined" in outcome:
        return f"undetermined ({outcome['undetermined']})"
    return "no value"


def _show(value: object) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def cmd_when(args: argparse.Namespace) -> int:
    """The days on which a boolean decision holds, given the other facts."""
    pack = load_ok(args.pack).pack
    decision = pack.decisions.get(args.decision)
    if decision is None or decision.type.kind != "bool":
        raise UsageError(f"`{args.decision}` is not a boolean decision of {pack.name}")
    day = pack.facts.get(args.day)
    if day is None or day.type.required().kind != "date":
        raise UsageError(f"`{args.day}` is not a date fact of {pack.name}")
    try:
        known = read_facts(pack, read_json(args.facts), fill_absent=False)
    except InvalidFacts as err:
        return report_invalid(err)
    answer = holding_days(pack, args.decision, known, args.day)
    if args.format == "json":
        write_json(answer)
    elif "unknown" in answer:
        print(f"unknown: the solver gave up ({answer['unknown']})")
    elif answer["first"] is None:
        print(f"`{args.decision}` holds on no day")
    else:
        spans = answer["intervals"] or [{"first": answer["first"], "last": answer["last"]}]
        for span in spans:
            print(f"`{args.decision}` holds from {span['first']} to {span['last']}")
    return EXIT_OK


def report_invalid(err: InvalidFacts) -> int:
    """Each fact error on standard error, as `path: message`; the usage exit code."""
    for e in err.errors:
        print(f"ruleproof: {e.path}: {e.message}", file=sys.stderr)
    return EXIT_USAGE


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    """The `decide` and `when` subcommands."""
    decide = sub.add_parser("decide", parents=[common], help="decide one case")
    decide.add_argument("pack", help="pack folder or .rules file")
    decide.add_argument("--facts", required=True, help="JSON file of facts, or - for standard input")
    decide.add_argument("--decision", action="append", help="decide only this decision (repeatable)")
    decide.add_argument("--format", choices=["text", "json"], default="text")
    decide.add_argument("--partial", action="store_true",
                        help="facts may be missing: give each decision's forced value or possible values, with witnesses")
    decide.set_defaults(run=cmd_decide)
    when = sub.add_parser("when", parents=[common], help="the days on which a boolean decision holds, given the other facts")
    when.add_argument("pack", help="pack folder or .rules file")
    when.add_argument("--facts", required=True, help="JSON file of facts, or - for standard input")
    when.add_argument("--decision", required=True, help="a boolean decision, e.g. refund_request_allowed")
    when.add_argument("--day", default="today", help="the date fact that varies (default: today)")
    when.add_argument("--format", choices=["text", "json"], default="text")
    when.set_defaults(run=cmd_when)
