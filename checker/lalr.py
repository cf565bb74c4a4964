"""Part of stage 1: the LALR(1) loop. Lark builds the parse table from the grammar; this runs it.

Lark's own loop (`ParserState.feed_token`) hashes and compares `Rule` objects, checks two
asserts and calls a wrapper for every reduction, also for the unit rules of the grammar that
only pass their one child up (`?sum: product`, ...). Here the table is re-keyed once: an
action is one int (a state to shift to, or the complement of a rule's index to reduce by),
a rule is a (size, callback, name) triple, and a unit rule has no callback: reducing by it
replaces the top state and leaves the value stack alone. A run of unit reductions (ten of
them from `expr` down to `atom` for each operand) depends only on the state below the top,
the top state and the next terminal, so it is followed once and remembered as one step.
The states, the order of reductions and the values are Lark's (the same callbacks run on the
same children), so every AST and every syntax error stays what Lark's loop gave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lark import Lark, Token
from lark.parsers.lalr_analysis import Shift

END = "$END"


class UnexpectedToken(Exception):
    """The parser's table has no action for `token` in the state it reached."""

    def __init__(self, token: Token):
        super().__init__(token)
        self.token = token


def _passes_child_up(rule) -> bool:
    """Whether Lark's callback for `rule` returns its one child unchanged: an inlined (`?`)
    rule of one symbol, not renamed, that drops, splices and adds nothing."""
    if len(rule.expansion) != 1 or not rule.options.expand1 or rule.alias or any(rule.options.empty_indices or ()):
        return False
    symbol = rule.expansion[0]
    return symbol.is_term or not symbol.name.startswith("_")


class Table:
    """Lark's LALR table for one start symbol, re-keyed for `Parser`.

    `states[s]` maps each terminal and rule name the state has an action for (the same keys
    as Lark's table, so `choices` is what Lark's interactive parser reports) to an int: ≥ 0
    a state to shift (or go) to, < 0 the complement of the index of a rule to reduce by."""

    def __init__(self, lark: Lark, start: str = "start"):
        frontend = lark.parser.parser.parser
        table, callbacks = frontend.parse_table, frontend.callbacks
        if any(isinstance(key, str) for key in callbacks):
            raise ValueError("terminal callbacks are not supported")
        index: dict[int, int] = {}
        self.rules: list[tuple[int, Callable[[list], Any] | None, str]] = []
        self.states: dict[int, dict[str, int]] = {}
        for state, actions in table.states.items():
            row = self.states[state] = {}
            for key, (action, arg) in actions.items():
                if action is Shift:
                    row[key] = arg
                    continue
                if id(arg) not in index:
                    index[id(arg)] = len(self.rules)
                    callback = None if _passes_child_up(arg) else callbacks[arg]
                    self.rules.append((len(arg.expansion), callback, arg.origin.name))
                row[key] = ~index[id(arg)]
        self.start = table.start_states[start]
        self.end = table.end_states[start]
        # (state below, top state, terminal) -> the top state after the unit reductions it calls for
        self.units: dict[tuple[int, int, str], int] = {}

    def after_units(self, below: int, top: int, kind: str) -> int:
        """The top state once the unit reductions `kind` calls for on top of `below` are done."""
        key = (below, top, kind)
        done = self.units.get(key)
        if done is None:
            done = top
            while (action := self.states[done].get(kind)) is not None and action < 0 and self.rules[~action][1] is None:
                done = self.states[below][self.rules[~action][2]]
            self.units[key] = done
        return done


class Parser:
    """One parse: the state and value stacks, fed one token at a time."""

    __slots__ = ("table", "stack", "values")

    def __init__(self, table: Table):
        self.table = table
        self.stack = [table.start]
        self.values: list = []

    def choices(self) -> Mapping[str, int]:
        """What the current state has an action for (terminal and rule names). LALR tables
        merge states, so a terminal here can still fail after its reductions: see `accepts`."""
        return self.table.states[self.stack[-1]]

    def feed(self, token: Token) -> None:
        """Reduce as the table says, then shift `token`; raise UnexpectedToken where the
        table has no action (after the reductions done until then, as Lark's loop does)."""
        table = self.table
        states, rules, units = table.states, table.rules, table.units
        stack, values, kind = self.stack, self.values, token.type
        while True:
            action = states[stack[-1]].get(kind)
            if action is None:
                raise UnexpectedToken(token)
            if action >= 0:
                stack.append(action)
                values.append(token)
                return
            size, callback, name = rules[~action]
            if callback is None:
                top = units.get((stack[-2], stack[-1], kind))
                stack[-1] = top if top is not None else table.after_units(stack[-2], stack[-1], kind)
                continue
            if size:
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            values.append(callback(children))
            stack.append(states[stack[-1]][name])

    def finish(self, last: Token | None) -> Any:
        """Feed the end of the input (positioned after `last`) and return the start symbol's
        value; raise UnexpectedToken if the input is not complete."""
        end = Token.new_borrow_pos(END, "", last) if last is not None else Token(END, "", 0, 1, 1)
        states, rules, goal = self.table.states, self.table.rules, self.table.end
        stack, values = self.stack, self.values
        while True:
            action = states[stack[-1]].get(END)
            if action is None or action >= 0:
                raise UnexpectedToken(end)
            size, callback, name = rules[~action]
            if callback is None:
                stack[-1] = states[stack[-2]][name]
            else:
                children = values[-size:] if size else []
                if size:
                    del stack[-size:]
                    del values[-size:]
                values.append(callback(children))
                stack.append(states[stack[-1]][name])
            if stack[-1] == goal:
                return values[-1]

    def accepts(self) -> set[str]:
        """The terminals the parser would shift next (after the reductions each one calls for)."""
        return {kind for kind in self.choices() if kind.isupper() and self._takes(kind)}

    def _takes(self, kind: str) -> bool:
        states, rules = self.table.states, self.table.rules
        stack = list(self.stack)
        while True:
            action = states[stack[-1]].get(kind)
            if action is None:
                return False
            if action >= 0:
                return True
            size, _, name = rules[~action]
            del stack[len(stack) - size:]
            stack.append(states[stack[-1]][name])
            if kind == END and stack[-1] == self.table.end:
                return True
