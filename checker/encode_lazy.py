"""The encoder's lazy maps: decisions, and their rules' terms, encoded on first use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ruleproof.checker import ir
from ruleproof.checker.encode_outcomes import DecisionSym

if TYPE_CHECKING:
    from ruleproof.checker.encode import Encoder


class LazyDecisions(Mapping):
    """Decision name -> DecisionSym, each decision encoded on first use (with the decisions it
    reads first), so a check of a few decisions of a large pack encodes only those."""

    def __init__(self, encoder: Encoder):
        self._encoder = encoder
        self._done: dict[str, DecisionSym] = {}

    def __getitem__(self, name: str) -> DecisionSym:
        sym = self._done.get(name)
        if sym is None:
            if name not in self._encoder.pack.decisions:
                raise KeyError(name)
            self._encoder._encode_with_dependencies(name)
            sym = self._done[name]
        return sym

    def __contains__(self, name: object) -> bool:
        return name in self._encoder.pack.decisions

    def __iter__(self) -> Iterator[str]:
        return iter(self._encoder.pack.decision_order)

    def __len__(self) -> int:
        return len(self._encoder.pack.decision_order)


class LazyRuleTerms(Mapping):
    """(decision, rule) -> term (fires, wins or values), encoding the decision on first use."""

    def __init__(self, encoder: Encoder):
        self._encoder = encoder
        self._terms: dict[tuple[str, str], object] = {}

    def __getitem__(self, key: tuple[str, str]):
        term = self._terms.get(key)
        if term is None:
            decision = key[0] if isinstance(key, tuple) and key else None
            if decision not in self._encoder.pack.decisions:
                raise KeyError(key)
            term = self._build(decision, key)
        return term

    def _build(self, decision: str, key: tuple[str, str]):
        """The term of `key`, a rule of `decision`; KeyError if it has no such rule."""
        self._encoder.decisions[decision]
        return self._terms[key]

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[tuple[str, str]]:
        pack = self._encoder.pack
        return ((name, rule.name) for name in pack.decision_order for rule in pack.decisions[name].rules)

    def __len__(self) -> int:
        pack = self._encoder.pack
        return sum(len(pack.decisions[name].rules) for name in pack.decision_order)


class LazyFires(LazyRuleTerms):
    """(decision, rule) -> whether the rule fires: its condition holds. The term is the one the
    decision's encoding makes (Z3 shares equal terms), built without encoding the decision:
    a question about a few rows of a large table encodes only those rows."""

    def __init__(self, encoder: Encoder):
        super().__init__(encoder)
        self._rules: dict[str, dict[str, ir.Rule]] = {}

    def _build(self, decision: str, key: tuple[str, str]):
        rules = self._rules.get(decision)
        if rules is None:
            rules = self._rules[decision] = {r.name: r for r in self._encoder.pack.decisions[decision].rules}
        return self._encoder.holds(rules[key[1]].condition)  # KeyError: no such rule
