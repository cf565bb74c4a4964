"""The DMN TCK's decision-table tests of compliance levels 2 and 3 that the import supports,
re-expressed as our own models (tests/dmn/build.py writes them as DMN) with the TCK's test cases:
each entry cites the TCK test id (github.com/dmn-tck/tck, TestCases/compliance-level-N/<id>).
The TCK's own files are not copied; bench/dmn_tck.py runs a local checkout of them.
"""

from __future__ import annotations

from .conformance import Case

APPLICANT = {"Age": "number", "RiskCategory": "string", "isAffordable": "boolean"}
RISKS = {1: '"High", "Low", "Medium"'}
COLUMNS = ["Age", "RiskCategory", "isAffordable"]
CASES_3 = [  # the three applicants most approval tests decide
    ({"Age": 18, "RiskCategory": "Medium", "isAffordable": True}, "Approved"),
    ({"Age": 17, "RiskCategory": "Medium", "isAffordable": True}, "Declined"),
    ({"Age": 18, "RiskCategory": "High", "isAffordable": True}, "Declined"),
]


def _approval(hit: str, rules: list, values: str | None = None) -> dict:
    return {"name": "approval", "inputs": APPLICANT, "decisions": [
        {"name": "Approval Status", "type": "string", "hit": hit, "inputs": COLUMNS, "input_values": RISKS,
         "outputs": [{"type": "string", **({"values": values} if values else {})}], "rules": rules}]}


def _single(cases) -> list[Case]:
    return [Case(f"{i:03}", inputs, {"Approval Status": want}) for i, (inputs, want) in enumerate(cases, 1)]


def _pair(name: str, cases) -> list[Case]:
    return [Case(f"{i:03}", inputs, {name: {"Status": status, "Rate": rate}})
            for i, (inputs, status, rate) in enumerate(cases, 1)]


def _two_outputs(hit: str, rules: list, status_default: str | None, rate_default: str | None,
                 values: tuple[str, str] | None = None, name: str = "Approval") -> dict:
    outputs = []
    for column, default, listed in (("Status", status_default, values and values[0]),
                                    ("Rate", rate_default, values and values[1])):
        out = {"name": column, "type": "string"}
        if default:
            out["default"] = default
        if listed:
            out["values"] = listed
        outputs.append(out)
    return {"name": "approval", "inputs": APPLICANT, "decisions": [
        {"name": name, "hit": hit, "inputs": COLUMNS, "input_values": RISKS, "outputs": outputs, "rules": rules}]}


MULTI_RULES = [
    ([">=18", '"Low"', "true"], ['"Approved"', '"Best"']),
    ([">=18", '"Medium"', "true"], ['"Approved"', '"Standard"']),
    (["<18", '"Medium","Low"', "true"], ['"Declined"', '"Standard"']),
    (["-", '"High"', "true"], ['"Declined"', '"Standard"']),
    (["-", "-", "false"], ['"Declined"', '"Standard"']),
]
MULTI_CASES = [(inputs, want, "Standard") for inputs, want in CASES_3]

TCK = {
    "0004-simpletable-U": (_approval("UNIQUE", [
        ([">=18", '"Medium","Low"', "true"], ['"Approved"']),
        (["<18", '"Medium","Low"', "true"], ['"Declined"']),
        (["-", '"High"', "true"], ['"Declined"']),
        (["-", "-", "false"], ['"Declined"'])]), _single(CASES_3)),
    "0005-simpletable-A": (_approval("ANY", [
        ([">=18", '"Medium","Low"', "true"], ['"Approved"']),
        (["<18", "-", "-"], ['"Declined"']),
        (["-", '"High"', "-"], ['"Declined"']),
        (["-", "-", "false"], ['"Declined"'])]), _single(CASES_3)),
    "0006-simpletable-P1": (_approval("PRIORITY", [
        ([">=18", '"Medium","Low"', "true"], ['"Approved"']),
        (["<18", "-", "-"], ['"Declined"']),
        (["-", '"High"', "-"], ['"Declined"']),
        (["-", "-", "false"], ['"Declined"'])], '"Approved", "Declined"'), _single(CASES_3)),
    "0007-simpletable-P2": (_approval("PRIORITY", [
        ([">=18", '"Medium","Low"', "true"], ['"Approved"']),
        (["-", "-", "-"], ['"Declined"'])], '"Approved", "Declined"'), _single(CASES_3)),
    "0010-multi-output-U": (_two_outputs("UNIQUE", MULTI_RULES, '"Declined"', '"Standard"'),
                            _pair("Approval", MULTI_CASES)),
    "0108-first-hitpolicy": (_two_outputs("FIRST", [
        ([">=18", '"Medium"', "true"], ['"Approved"', '"Best"']),
        ([">=12", '"Medium"', "true"], ['"Approved"', '"Standard"']),
        (["<12", '"Low"', "true"], ['"Declined"', '"Standard"'])], '"Declined"', '"Standard"'),
        _pair("Approval", [({"Age": 19, "RiskCategory": "Medium", "isAffordable": True}, "Approved", "Best"),
                           ({"Age": 13, "RiskCategory": "Medium", "isAffordable": True}, "Approved", "Standard"),
                           ({"Age": 10, "RiskCategory": "Low", "isAffordable": True}, "Declined", "Standard")])),
    "0111-first-hitpolicy-singleoutputcol": (
        {"name": "ads", "inputs": {"age": "number"}, "decisions": [
            {"name": "Advertisement", "type": "string", "hit": "FIRST", "inputs": ["age"], "outputs": [{"type": "string"}],
             "rules": [([">18"], ['"Cars"']), ([">12"], ['"Videogames"']), ([">0"], ['"Toys"'])]}]},
        [Case("001", {"age": 19}, {"Advertisement": "Cars"}), Case("002", {"age": 13}, {"Advertisement": "Videogames"}),
         Case("003", {"age": 5}, {"Advertisement": "Toys"})]),
    "0117-multi-any-hitpolicy": (_two_outputs("ANY", MULTI_RULES, '"Declined"', '"Standard"'),
                                 _pair("Approval", MULTI_CASES)),
}

TCK["0118-multi-priority-hitpolicy"] = (
    {"name": "approval", "inputs": APPLICANT, "decisions": [
        {"name": "Approval Status", "hit": "PRIORITY", "inputs": COLUMNS, "input_values": RISKS,
         "outputs": [{"name": "Approved/Declined", "type": "string", "values": '"Approved", "Declined"'},
                     {"name": "Rate", "type": "string"}],
         "rules": [([">=18", '"Medium","Low"', "true"], ['"Approved"', '"Basic"']),
                   (["<18", "-", "-"], ['"Declined"', '"Standard"']),
                   (["-", '"High"', "-"], ['"Approved"', '"Standard"'])]}]},
    [Case(f"{i:03}", {"Age": age, "RiskCategory": risk, "isAffordable": True},
          {"Approval Status": {"Approved/Declined": status, "Rate": rate}})
     for i, (age, risk, status, rate) in enumerate([(17, "High", "Approved", "Standard"), (19, "Low", "Approved", "Basic"),
                                                    (10, "Low", "Declined", "Standard")], 1)])


def _years_table(aggregation: str, name: str, outputs: list[str]) -> dict:
    return {"name": "collect", "inputs": {"NumOfYears": "number"}, "decisions": [
        {"name": name, "type": "number", "hit": "COLLECT", "aggregation": aggregation, "inputs": ["NumOfYears"],
         "outputs": [{"type": "number"}],
         "rules": [([f">{n}"], [value]) for n, value in zip((1, 2, 3, 4 if aggregation == "MIN" else 5), outputs)]}]}


TCK["0114-min-collect-hitpolicy"] = (
    _years_table("MIN", "CarInsurance", ["98.83", "150.21", "205.43", "64.32"]),
    [Case("001", {"NumOfYears": 5}, {"CarInsurance": 64.32}), Case("002", {"NumOfYears": 3}, {"CarInsurance": 98.83}),
     Case("003", {"NumOfYears": 4}, {"CarInsurance": 98.83})])
TCK["0115-sum-collect-hitpolicy"] = (
    _years_table("SUM", "Salary", ["100", "200", "300", "500"]),
    [Case("001", {"NumOfYears": 6}, {"Salary": 1100}), Case("002", {"NumOfYears": 3}, {"Salary": 300}),
     Case("003", {"NumOfYears": 2}, {"Salary": 100})])
TCK["0116-count-collect-hitpolicy"] = (
    _years_table("COUNT", "Salary", ["100", "200", "300", "500"]),
    [Case("001", {"NumOfYears": 6}, {"Salary": 4}), Case("002", {"NumOfYears": 2}, {"Salary": 1}),
     Case("003", {"NumOfYears": 3}, {"Salary": 2})])


def _extra(name: str, rules: list) -> dict:
    return {"name": name, "type": "number", "hit": "COLLECT", "aggregation": "MAX", "inputs": ["Age", "Years of Service"],
            "outputs": [{"type": "number", "default": "0"}], "rules": rules, "requires": ["Age", "Years of Service"]}


# compliance level 3: three COLLECT MAX tables combined by a literal expression
TCK["0020-vacation-days"] = (
    {"name": "vacation", "inputs": {"Age": "number", "Years of Service": "number"}, "decisions": [
        {"name": "Base Vacation Days", "type": "number", "literal": "22"},
        _extra("Extra days case 1", [(["<18, >=60", "-"], ["5"]), (["-", ">=30"], ["5"])]),
        _extra("Extra days case 2", [(["-", ">=30"], ["3"]), ([">=60", "-"], ["3"])]),
        _extra("Extra days case 3", [(["-", "[15..30)"], ["2"]), ([">=45", "-"], ["2"])]),
        {"name": "Total Vacation Days", "type": "number", "literal":
         "Base Vacation Days + max(Extra days case 1, Extra days case 3) + Extra days case 2",
         "requires": ["Base Vacation Days", "Extra days case 1", "Extra days case 2", "Extra days case 3"]}]},
    [Case(f"{i:03}", {"Age": age, "Years of Service": years}, {"Total Vacation Days": total})
     for i, (age, years, total) in enumerate([(16, 1, 27), (25, 5, 22), (25, 20, 24), (44, 30, 30), (50, 20, 24),
                                              (50, 30, 30), (60, 20, 30)], 1)])
