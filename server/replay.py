"""`ruleproof replay`: decide logged cases again with another version of a pack, and report
which decisions would change: counts per decision and example cases.

A logged decision is compared with the new one by value; "undetermined" equals "undetermined"
whatever the reason. Only decisions the log holds are compared (a decision the new version
adds has nothing to compare with); a logged decision the new version lacks counts as removed.
A case whose facts the new version refuses (a fact removed or retyped) is reported apart.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ruleproof.checker import ir
from ruleproof.checker.decisions import decide_json
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.values import InvalidFacts
from ruleproof.server.decision_log import read_log


@dataclass
class DecisionChanges:
    name: str
    compared: int = 0
    changed: int = 0
    removed: int = 0
    examples: list[dict] = field(default_factory=list)


@dataclass
class ReplayReport:
    log: str
    pack: str
    version: str
    cases: int = 0
    changed_cases: int = 0
    logged_versions: Counter = field(default_factory=Counter)
    decisions: dict[str, DecisionChanges] = field(default_factory=dict)
    invalid: list[dict] = field(default_factory=list)
    invalid_cases: int = 0

    @property
    def changed(self) -> bool:
        return self.changed_cases > 0

    def to_json(self) -> dict:
        return {
            "log": self.log,
            "pack": {"pack": self.pack, "version": self.version},
            "logged_versions": dict(sorted(self.logged_versions.items())),
            "cases": self.cases,
            "replayed": self.cases - self.invalid_cases,
            "changed_cases": self.changed_cases,
            "invalid_cases": self.invalid_cases,
            "decisions": [
                {"name": d.name, "compared": d.compared, "changed": d.changed, "removed": d.removed, "examples": d.examples}
                for d in sorted(self.decisions.values(), key=lambda d: (-d.changed, d.name))
            ],
            "invalid": self.invalid,
        }


def _outcome(name: str, decisions: dict, undetermined: dict) -> object:
    if name in decisions:
        return decisions[name]
    return {"undetermined": undetermined[name].get("reason") if isinstance(undetermined[name], dict) else None}


def _same(old: object, new: object) -> bool:
    if isinstance(old, dict) and "undetermined" in old:
        return isinstance(new, dict) and "undetermined" in new
    return old == new


def replay(log: Path | str, pack: ir.Pack, pack_name: str | None = None, limit: int | None = None,
           examples: int = 3) -> ReplayReport:
    """Re-decide the logged cases of `pack_name` (default: the pack's own name) with `pack`."""
    compiled = CompiledPack(pack)
    report = ReplayReport(str(log), pack.name, pack.version)
    for row in read_log(log, pack_name or pack.name, limit):
        report.cases += 1
        report.logged_versions[row.version] += 1
        logged = list(row.decisions) + [n for n in row.undetermined if n not in row.decisions]
        names = [n for n in row.requested if n in pack.decisions] if row.requested else None
        try:
            new = decide_json(compiled, row.facts, names or None)
        except InvalidFacts as err:
            report.invalid_cases += 1
            if len(report.invalid) < examples:
                report.invalid.append({"decision_id": row.decision_id, "facts": row.facts,
                                       "errors": [{"path": e.path, "message": e.message} for e in err.errors]})
            continue
        case_changed = False
        for name in logged:
            entry = report.decisions.setdefault(name, DecisionChanges(name))
            if name not in pack.decisions:
                entry.removed += 1
                continue
            entry.compared += 1
            old_value = _outcome(name, row.decisions, row.undetermined)
            if name not in new["decisions"] and name not in new["undetermined"]:
                continue  # not decided now (the log asked for a subset that no longer needs it)
            new_value = _outcome(name, new["decisions"], new["undetermined"])
            if _same(old_value, new_value):
                continue
            entry.changed += 1
            case_changed = True
            if len(entry.examples) < examples:
                entry.examples.append({"decision_id": row.decision_id, "time": row.time, "version": row.version,
                                       "facts": row.facts, "old": old_value, "new": new_value})
        report.changed_cases += case_changed
    return report


def replay_text(report: ReplayReport, reads: Mapping[str, Iterable[str]] | None = None, show_all: bool = False) -> str:
    """The readable form: a line per decision that changes (every decision with `show_all`), a
    few example cases for each change; `reads` (decision -> the facts it reads) narrows an
    example's facts to those that matter to its decision."""
    versions = ", ".join(f"{v} ({n})" for v, n in sorted(report.logged_versions.items())) or "none"
    lines = [f"replayed {report.cases} logged decisions of {report.pack} (logged versions: {versions}) "
             f"with {report.pack} {report.version}"]
    data = report.to_json()
    width = max((len(d["name"]) for d in data["decisions"]), default=0)
    for d in data["decisions"]:
        if d["removed"] and not d["compared"]:
            lines.append(f"  {d['name'].ljust(width)}  removed in {report.version} ({d['removed']} logged)")
            continue
        if not d["changed"] and not show_all:
            continue
        lines.append(f"  {d['name'].ljust(width)}  {d['changed']} of {d['compared']} changed")
        relevant = set(reads[d["name"]]) if reads is not None and d["name"] in reads else None
        for ex in d["examples"]:
            facts = {k: v for k, v in ex["facts"].items() if relevant is None or k in relevant}
            lines.append(f"      {ex['decision_id']}: {_show(ex['old'])} -> {_show(ex['new'])}")
            lines.append(f"        when {', '.join(f'{k} = {json.dumps(v)}' for k, v in facts.items()) or 'any case'}")
    if report.invalid_cases:
        lines.append(f"{report.invalid_cases} cases could not be replayed: {report.version} refuses their facts")
        for case in report.invalid:
            problems = "; ".join(f"{e['path']}: {e['message']}" for e in case["errors"])
            lines.append(f"      {case['decision_id']}: {problems}")
    lines.append(f"{report.changed_cases} of {report.cases - report.invalid_cases} replayed cases change")
    return "\n".join(lines) + "\n"


def _show(value: object) -> str:
    if isinstance(value, dict) and "undetermined" in value:
        return f"undetermined ({value['undetermined']})" if value["undetermined"] else "undetermined"
    return json.dumps(value)
