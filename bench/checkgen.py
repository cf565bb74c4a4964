"""Packs with planted defects, for measuring the formal checks and proving they find what they should.

`generate(rules)` writes a pack of about `rules` rules as source text (so the front end runs on
it too) and returns it with a manifest of the defects planted in it:

>>> pack = generate(10)
>>> sorted({p.code for p in pack.planted})  # doctest: +NORMALIZE_WHITESPACE
['E601', 'E602', 'E603', 'E607', 'E609', 'E610', 'E611', 'W604', 'W605', 'W606', 'W608', 'W612',
 'W615']

The pack is made of two kinds of block, each with its own names (suffix `_<n>`):

- clean sections in the marketplace's style (23 rules each): a payment deadline, a stocking
  obligation, optional shipping and payment dates with ordering assumptions, a refund wait with a
  `>=` / `<` threshold and an override for express orders, a confirmation deadline with `max`,
  refund and confirmation windows with a `within` property and a `possible` property, a fee in
  money with a threshold and a `complete` mark, a commission table over two enums with an
  `otherwise` cell, and payout holds by priority. The checker must find nothing in them.
- defect blocks (10 rules each), each planting one defect of every kind the formal checks know:
  dead rule (E601) and gap (E603) in a deposit schedule, conflict and boundary disagreement
  (E602, W608) in a refund wait, shadowed rule (W604) and no rule for negative amounts (W615)
  in amount bands, redundant rule (W605) in
  review ratings, table overlap and gap (E611, W612) in a commission table, a window that can be
  empty (W606), a window relation that fails (E607), a refuted property (E609) and an impossible
  one (E610).

A pack of `rules` rules has one defect block per 500 rules (at least one) and clean sections for
the rest; a 10-rule pack is one defect block alone. Sections and blocks are spread over files of
at most 40 sections that import the pack's header file (which declares `today`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SECTION_RULES = 23
BLOCK_RULES = 10
RULES_PER_BLOCK = 500
SECTIONS_PER_FILE = 40

TOPICS = ("payment", "stocking", "shipping", "confirmation", "refund", "dispute", "return", "payout",
          "evaluation", "commission", "withdrawal", "chargeback", "deposit", "products", "logistics")

HEADER = '''pack checkgen version "1"

fact today: date cite "the day the question is asked"
'''

SECTION = '''
# ---- Section {i}: {topic} (Art. {a}-{b})
fact placed_{i}_on: date cite "Art. {a}"
fact paid_{i}_on: date? cite "Art. {a}: absent until the payment has arrived"
fact shipped_{i}_on: date? cite "Art. {b}: absent until all goods are shipped"
fact promised_{i}_days: days cite "Art. {b}"
fact extension_{i}_days: days = 0 days cite "Art. {b}: granted by the seller"
fact amount_{i}: money USD cite "Art. {b}"
fact kind_{i}: standard | express | bulk = standard cite "Art. {b}"
fact category_{i}: books | phones | garden cite "Art. {b}"
fact score_{i}: int 1..5 cite "Art. {b}"
fact flagged_{i}: bool = false cite "Art. {b}"

const pay_period_{i} = {pay} days cite "Art. {a}: pay within {pay} days of the order"
const min_wait_{i} = {wait} days cite "Art. {b}: a refund at the earliest {wait} days after shipment"
const stocking_{i} = {stock} days cite "Art. {a}: ship within {stock} days of payment"

assume paid_{i}_after_placed cite "Art. {a}": paid_{i}_on is present implies paid_{i}_on >= placed_{i}_on
assume shipped_{i}_after_paid cite "Art. {b}": shipped_{i}_on is present implies (paid_{i}_on is present and shipped_{i}_on >= paid_{i}_on)
assume periods_{i}_sane: promised_{i}_days >= 0 days and promised_{i}_days <= 90 days
  and extension_{i}_days >= 0 days and extension_{i}_days <= 30 days
assume amount_{i}_sane: amount_{i} >= 0 USD and amount_{i} <= 100000 USD

decision pay_by_{i}: date cite "Art. {a}" = placed_{i}_on + pay_period_{i}

decision closed_unpaid_{i}: bool default false cite "Art. {a}"
rule close_unpaid_{i} cite "Art. {a}: not paid in time: the order is closed":
  when today > pay_by_{i} and (paid_{i}_on is absent or paid_{i}_on > pay_by_{i})
  then closed_unpaid_{i} = true

obligation ship_{i} cite "Art. {a}: the seller ships within the stocking period":
  seller must "ship all goods" when paid_{i}_on is present by paid_{i}_on + stocking_{i} done shipped_{i}_on

decision wait_{i}: days complete cite "Art. {b}"
rule wait_{i}_long cite "Art. {b}: promised {wait} days or more: wait":
  when promised_{i}_days >= min_wait_{i} then wait_{i} = min_wait_{i}
rule wait_{i}_short cite "Art. {b}: promised under {wait} days: no wait":
  when promised_{i}_days < min_wait_{i} then wait_{i} = 0 days

decision refund_opens_{i}: date cite "Art. {b}"
rule refund_{i}_after_wait cite "Art. {b}":
  when shipped_{i}_on is present and promised_{i}_days >= min_wait_{i}
  then refund_opens_{i} = shipped_{i}_on + min_wait_{i}
rule refund_{i}_at_once cite "Art. {b}":
  when shipped_{i}_on is present and promised_{i}_days < min_wait_{i}
  then refund_opens_{i} = shipped_{i}_on
rule refund_{i}_express cite "Art. {b}: express orders may apply at once":
  when shipped_{i}_on is present and kind_{i} == express
  then refund_opens_{i} = shipped_{i}_on
  overrides refund_{i}_after_wait because "Art. {b} makes express orders an exception"

decision confirm_by_{i}: date cite "Art. {b}: the platform minimum prevails over a shorter promise"
  when shipped_{i}_on is present
  = shipped_{i}_on + max(promised_{i}_days, {floor} days) + extension_{i}_days

window confirmation_{i} = [shipped_{i}_on, confirm_by_{i}] cite "Art. {b}"
window refund_{i} = [refund_opens_{i}, confirm_by_{i}] cite "Art. {b}"
property refund_{i}_inside cite "Art. {b}": always refund_{i} within confirmation_{i}

decision refund_allowed_{i}: bool default false cite "Art. {b}"
rule refund_{i}_in_window cite "Art. {b}": when today in refund_{i} and not flagged_{i} then refund_allowed_{i} = true
property refund_{i}_possible cite "Art. {b}": possible refund_allowed_{i}

decision fee_{i}: money USD complete cite "Art. {b}"
rule fee_{i}_flat cite "Art. {b}: a flat fee on small orders": when amount_{i} < {cut} USD then fee_{i} = 5 USD
rule fee_{i}_share cite "Art. {b}: a share of larger orders": when amount_{i} >= {cut} USD then fee_{i} = amount_{i} * {share}%
property fee_{i}_bounded cite "Art. {b}": always fee_{i} <= amount_{i} + 5 USD

decision commission_{i}: rate cite "Art. {b}"
table commission_{i}_rates for commission_{i} cite "Art. {b}":
  given category_{i}, kind_{i}
  row books, any => 5%
  row phones, express => 7%
  row phones, otherwise => 8%
  row garden, any => 6%

decision hold_days_{i}: days default 7 days hit priority cite "Art. {b}"
rule hold_{i}_flagged priority 2 cite "Art. {b}: flagged orders are held for review":
  when flagged_{i} then hold_days_{i} = 30 days
rule hold_{i}_low_score priority 1 cite "Art. {b}": when score_{i} <= 2 then hold_days_{i} = 14 days
rule hold_{i}_trusted priority 1 cite "Art. {b}": when score_{i} >= 4 then hold_days_{i} = 3 days
'''

BLOCK = '''
# ---- Defect block {k}
fact seller_level_{k}: int 1..5 cite "Art. {a}"
decision deposit_{k}: money USD complete cite "Art. {a}"
rule deposit_{k}_new cite "Art. {a}": when seller_level_{k} <= 2 then deposit_{k} = 1000 USD
rule deposit_{k}_top cite "Art. {a}": when seller_level_{k} > 5 then deposit_{k} = 0 USD

fact promised_{k}_days: days cite "Art. {b}"
decision refund_wait_{k}: days cite "Art. {b}"
rule refund_wait_{k}_long cite "Art. {b}": when promised_{k}_days >= 10 days then refund_wait_{k} = 10 days
rule refund_wait_{k}_short cite "Art. {b}": when promised_{k}_days <= 10 days then refund_wait_{k} = 0 days

fact order_amount_{k}: money USD cite "Art. {b}"
decision band_{k}: small | large hit first cite "Art. {b}"
rule band_{k}_any cite "Art. {b}": when order_amount_{k} >= 0 USD then band_{k} = small
rule band_{k}_large cite "Art. {b}": when order_amount_{k} >= 500 USD then band_{k} = large

fact stars_{k}: int 1..5 cite "Art. {c}"
decision positive_{k}: bool default false cite "Art. {c}"
rule positive_{k}_high cite "Art. {c}": when stars_{k} >= 4 then positive_{k} = true
rule positive_{k}_top cite "Art. {c}": when stars_{k} == 5 then positive_{k} = true
property positive_{k}_only_top cite "Art. {c}": always positive_{k} implies stars_{k} == 5
property positive_{k}_low cite "Art. {c}": possible positive_{k} and stars_{k} < 3

fact product_{k}: phones | tablets | books cite "Art. {d}"
fact refurbished_{k}: bool = false cite "Art. {d}"
decision commission_{k}: rate cite "Art. {d}"
table commission_{k}_rates for commission_{k} cite "Art. {d}":
  given product_{k}, refurbished_{k}
  row phones, any => 5%
  row phones, true => 4%

fact dispute_{k}_on: date cite "Art. {e}"
fact response_{k}_days: days cite "Art. {e}"
assume response_{k}_not_negative cite "Art. {e}": response_{k}_days >= 0 days
window review_{k} = [dispute_{k}_on + 3 days, dispute_{k}_on + response_{k}_days] cite "Art. {e}"

fact delivered_{k}_on: date cite "Art. {e}"
fact return_{k}_days: days cite "Art. {e}"
assume return_{k}_range cite "Art. {e}": return_{k}_days >= 0 days and return_{k}_days <= 30 days
window return_{k} = [delivered_{k}_on, delivered_{k}_on + return_{k}_days] cite "Art. {e}"
window warranty_{k} = [delivered_{k}_on, delivered_{k}_on + 14 days] cite "Art. {e}"
property return_{k}_inside_warranty cite "Art. {e}": always return_{k} within warranty_{k}
'''


def _block_manifest(k: str) -> list[Planted]:
    return [
        Planted("E601", (f"deposit_{k}_top",), "a level above the range"),
        Planted("E603", (f"deposit_{k}",), "levels 3-5 have no deposit"),
        Planted("E602", (f"refund_wait_{k}_long", f"refund_wait_{k}_short", f"refund_wait_{k}"), "both at 10 days"),
        Planted("W608", (f"refund_wait_{k}_long", f"refund_wait_{k}_short", f"refund_wait_{k}"), ">= and <= at 10 days"),
        Planted("W604", (f"band_{k}_large", f"band_{k}"), "an earlier rule covers every large amount"),
        Planted("W615", (f"band_{k}",), "a negative amount gets no band"),
        Planted("W605", (f"positive_{k}_top", f"positive_{k}"), "five stars is four or more: removing it changes nothing"),
        Planted("E609", (f"positive_{k}_only_top",), "four stars is positive too"),
        Planted("E610", (f"positive_{k}_low",), "positive needs four stars"),
        Planted("E611", (f"commission_{k}_rates[1]", f"commission_{k}_rates[2]", f"commission_{k}"), "refurbished phones"),
        Planted("W612", (f"commission_{k}_rates", f"commission_{k}"), "tablets and books"),
        Planted("W606", (f"review_{k}",), "a response period under 3 days"),
        Planted("E607", (f"return_{k}_inside_warranty", f"return_{k}", f"warranty_{k}"), "returns up to 30 days"),
    ]


@dataclass(frozen=True)
class Planted:
    """One planted defect: the code the checker must report and names its finding must involve."""

    code: str
    names: tuple[str, ...]
    why: str = ""


@dataclass
class CheckPack:
    """A generated pack: files (path -> text), the defects planted, and its size."""

    files: dict[str, str]
    planted: list[Planted] = field(default_factory=list)
    sections: int = 0
    blocks: int = 0

    @property
    def rules(self) -> int:
        """The number of rules (table rows, formulas and obligation statuses included)."""
        return self.sections * SECTION_RULES + self.blocks * BLOCK_RULES


def generate(rules: int, seed: int = 0) -> CheckPack:
    """A pack of about `rules` rules with one defect block per 500 rules (at least one)."""
    rng = random.Random(seed)
    blocks = max(1, rules // RULES_PER_BLOCK)
    sections = max(0, round((rules - blocks * BLOCK_RULES) / SECTION_RULES))
    parts: list[str] = []
    planted: list[Planted] = []
    # Spread the defect blocks evenly among the sections.
    block_at = {round((j + 0.5) * sections / blocks) for j in range(blocks)} if sections else {0}
    k = 0
    for i in range(sections + 1):
        if i in block_at and k < blocks:
            a = 100 + 5 * k
            parts.append(BLOCK.format(k=f"d{k}", a=a, b=a + 1, c=a + 2, d=a + 3, e=a + 4))
            planted.extend(_block_manifest(f"d{k}"))
            k += 1
        if i < sections:
            a = 30 + 2 * (i % 20)
            wait = rng.randint(3, 12)
            parts.append(SECTION.format(
                i=i, topic=TOPICS[i % len(TOPICS)], a=a, b=a + 1, pay=rng.choice((10, 15, 20, 30)), wait=wait,
                stock=rng.randint(2, 10), floor=rng.randint(wait + 1, 30), cut=rng.choice((50, 100, 200, 500)),
                share=rng.choice(("2", "2.5", "3", "5")),
            ))
    while k < blocks:  # only when there are no sections
        parts.append(BLOCK.format(k=f"d{k}", a=100, b=101, c=102, d=103, e=104))
        planted.extend(_block_manifest(f"d{k}"))
        k += 1
    files = {"pack.rules": HEADER}
    for n in range(0, len(parts), SECTIONS_PER_FILE):
        files[f"part{n // SECTIONS_PER_FILE + 1}.rules"] = "import pack\n" + "".join(parts[n : n + SECTIONS_PER_FILE])
    return CheckPack(files, planted, sections, blocks)


if __name__ == "__main__":
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description="Write a generated pack with planted defects to a folder.")
    parser.add_argument("rules", type=int, help="about how many rules")
    parser.add_argument("out", type=Path, help="folder to write the .rules files into")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generated = generate(args.rules, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in generated.files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    for p in generated.planted:
        print(p.code, ", ".join(p.names), f"({p.why})")
