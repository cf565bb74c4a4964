"""Why a decision has no value, and which cause wins when there are several.

Deciding `d` on a case goes in this order (every back end follows it; the differential tests
compare the cause as well as the value):

1. every rule's condition, in rule order — the first that cannot be evaluated makes `d`
   undetermined with its cause;
2. the rules the hit policy selects (`selection`);
3. the selected rules' conclusions, in rule order — the first that cannot be evaluated makes
   `d` undetermined with its cause;
4. under `unique` and `priority`, selected rules that conclude different values: `CONFLICT`;
5. no rule selected: the default (which may itself be undetermined); else, for a `complete`
   decision, `GAP`; else no value (`NO_VALUE`: a value the caller sees as absent, not an error).

Within an expression, operands are evaluated left to right; `and`, `or` and `if` stop as soon
as the result is settled, so an operand they skip cannot make the expression undetermined.
Reading a fact the caller did not send is `MISSING_FACT`; reading an undetermined decision
makes the reader undetermined with the same cause; `x / 0` is `DIVISION_BY_ZERO`; the `min` or
`max` of no records is `EMPTY_LIST` (`aggregates`).
"""

from __future__ import annotations

from enum import StrEnum


class Cause(StrEnum):
    """The class of an outcome without a value (`cause` on the wire)."""

    NO_VALUE = "no_value"
    MISSING_FACT = "missing_fact"
    CONFLICT = "conflict"
    GAP = "gap"
    DIVISION_BY_ZERO = "division_by_zero"
    EMPTY_LIST = "empty_list"  # the min or max of a list (or selection) without records

    @property
    def code(self) -> int:
        """A small positive integer for targets that compute causes as numbers (0: none)."""
        return _CODES[self]

    @staticmethod
    def from_code(code: int) -> Cause | None:
        """The cause of a code; None for 0 (a value)."""
        return _BY_CODE.get(code)


_CODES = {cause: i for i, cause in enumerate(Cause, start=1)}
_BY_CODE = {i: cause for cause, i in _CODES.items()}

NO_RULE_APPLIES = "no rule applies"
"""The reason text of NO_VALUE."""


class Undetermined(Exception):
    """Raised while deciding when a value cannot be computed: `cause` says why, `reason` in
    words, `rules` the rules in conflict."""

    def __init__(self, cause: Cause, reason: str, rules: tuple[str, ...] = ()):
        super().__init__(reason)
        self.cause = cause
        self.reason = reason
        self.rules = rules
