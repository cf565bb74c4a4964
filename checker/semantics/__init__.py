"""What the language means, written once and consumed by every back end.

The evaluator (checker/evaluate.py: IR compiled to Python source), the Z3 encoder
(checker/encode.py: IR as constraints) and any later target take from here:

- `kinds`: the value kinds and the exact scale of money, rates and decimals;
- `operators`: every comparison, connective and arithmetic operator as an enum, with the one
  function that computes it (Python's operators are overloaded by Z3 terms, so the same
  function serves concrete values and terms) and the spelling a source target writes;
- `outcomes`: why a decision can be undetermined (`Cause`), and the order in which causes win;
- `numbers`: exact division, half-up rounding, min/max/abs over a target's primitives;
- `calendar`: working days and calendar months (end-of-month rule, monthly periods),
  concrete and symbolic;
- `periods`: effective periods, when a rule is in force (a condition of its firing);
- `selection`: which rules a hit policy selects, with overrides and priorities, over a target's
  boolean primitives;
- `aggregates`: count, sum, min, max, any and all over lists of records, and what each is of an
  empty list;
- `algebra`: the primitives a target supplies (the `Algebra` protocol).
"""
