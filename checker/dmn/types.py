"""The DMN types an imported model may use, and what each becomes in the language."""

from __future__ import annotations

from enum import Enum


class FeelType(Enum):
    """A FEEL type the importer supports; `.value` is its DMN name."""

    NUMBER = "number"
    STRING = "string"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "dateTime"
    DURATION = "days and time duration"

    @property
    def language(self) -> str:
        """The language's type for values of this FEEL type."""
        return {"number": "decimal", "string": "string", "boolean": "bool", "date": "date",
                "dateTime": "datetime", "days and time duration": "minutes"}[self.value]


def feel_type(name: str) -> FeelType | None:
    """The FEEL type a DMN `typeRef` names (with or without a `feel:` prefix), if supported."""
    bare = name.split(":", 1)[1] if name.startswith(("feel:", "FEEL:")) else name
    aliases = {"date and time": "dateTime", "dayTimeDuration": "days and time duration"}
    bare = aliases.get(bare, bare)
    return next((t for t in FeelType if t.value == bare), None)
