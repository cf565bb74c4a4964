"""Front-end speed: parse, and the whole front end (parse, resolve, type check, lower), per 1,000 lines.

Run from the repository root: ``python bench/frontend.py`` (``--help`` for the knobs), or
``make bench``. The pack is generated (see ``generate``): sections in the marketplace's style,
each with facts, a constant, a derived value, an assumption, a formula decision, a decision
decided by rules with an override and an exception, a decision table, two windows with a
relation property, an obligation and an example; spread over several files that import each
other. Method: one untimed warm-up run (it builds the Lark parser), then ``--repeat`` timed
runs of each stage, each timed by the wall clock (``time.perf_counter``) and by this process's
CPU time (``time.process_time``, which other processes on a busy machine do not inflate); the
garbage collector stays on. Reported per stage: median and p90 (nearest rank) of the runs,
scaled to milliseconds per 1,000 lines.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruleproof.checker.parse import parse_module  # noqa: E402
from ruleproof.checker.pipeline import load_texts  # noqa: E402
from ruleproof.checker.source import SourceFile  # noqa: E402

GOAL_MS = 50.0

SECTION = '''\
# ---- Section {i}: {topic} (Art. {a}-{b})
fact event_{i}_on: date? cite "Art. {a}: absent until the event has happened"
fact reply_{i}_on: date? cite "Art. {a}"
fact period_{i}_days: days cite "Art. {a}: the period agreed for this step"
fact extension_{i}_days: days = 0 days cite "Art. {b}: extension granted on application"
fact amount_{i}_usd: money USD cite "Art. {b}"
fact kind_{i}: standard | express | bulk = standard cite "Art. {b}"
fact score_{i}: int 1..5 cite "Art. {b}"
fact flagged_{i}: bool = false

const wait_{i} = {wait} days cite "Art. {a}: at the earliest {wait} days after the event"
const fee_{i} = 15 USD cite "Art. {b}: a flat fee per request"
let total_{i}_days = period_{i}_days + extension_{i}_days cite "Art. {a}"

assume periods_{i}_not_negative cite "Art. {a}": period_{i}_days >= 0 days and extension_{i}_days >= 0 days
assume reply_{i}_after_event: (reply_{i}_on is present and event_{i}_on is present) implies reply_{i}_on >= event_{i}_on

decision deadline_{i}: date cite "Art. {a}"
  when event_{i}_on is present
  = event_{i}_on + total_{i}_days

decision allowed_{i}: bool default false hit unique cite "Art. {a}, Art. {b}"
rule allowed_{i}_after_wait cite "Art. {a}: allowed once the waiting period has passed":
  when event_{i}_on is present and today >= event_{i}_on + wait_{i} and reply_{i}_on is absent
  then allowed_{i} = true
rule allowed_{i}_express cite "Art. {b}: express orders may apply at once":
  when event_{i}_on is present and kind_{i} in {{express, bulk}} and not flagged_{i}
  then allowed_{i} = true
  overrides allowed_{i}_after_wait because "Art. {a} defers to Art. {b} for express orders"
rule allowed_{i}_not_flagged cite "Art. {b}: flagged orders wait for review":
  when flagged_{i} and score_{i} <= 2
  then allowed_{i} = false
  overrides allowed_{i}_after_wait, allowed_{i}_express because "Art. {b}: a review comes first"

decision rate_{i}: rate default 6% hit first cite "Art. {b}: the rate by kind and score"
table rate_{i}_table for rate_{i} cite "Art. {b}":
  given kind_{i}, score_{i}
  row standard, >= 4 => 5%
  row standard, any => 8%
  row express, in {{1, 2}} => 10%
  row express, otherwise => 7%
  row otherwise, any => 6.5%

decision charge_{i}_usd: money USD cite "Art. {b}" = amount_{i}_usd * rate_{i} + fee_{i}

window waiting_{i} = [event_{i}_on, deadline_{i}] cite "Art. {a}"
window reply_{i} = [event_{i}_on, reply_{i}_on) cite "Art. {a}"
property reply_{i}_inside_waiting cite "Art. {a}": always reply_{i} within waiting_{i}
property allowed_{i}_possible cite "Art. {a}": possible allowed_{i}

obligation answer_{i} cite "Art. {b}: the seller must answer within the period":
  seller must "answer the request" when event_{i}_on is present by deadline_{i} done reply_{i}_on

example "step {i} waits {wait} days" cite "Art. {a}":
  given event_{i}_on = 2026-03-02, period_{i}_days = 20 days, score_{i} = 3,
        amount_{i}_usd = 100 USD, today = 2026-03-05
  expect deadline_{i} = 2026-03-22, allowed_{i} = false, rate_{i} = 8%
'''

TOPICS = ("payment", "stocking", "shipping", "confirmation", "refund", "dispute", "return", "payout",
          "evaluation", "commission", "withdrawal", "chargeback", "deposit", "products", "logistics")


def generate(lines: int = 1000, files: int = 4) -> dict[str, str]:
    """A pack of about `lines` lines in `files` files: `pack.rules` holds the header and `today`,
    every other file imports it and the file before it."""
    texts = {"pack.rules": 'pack bench version "1"\n\n# The day the question is asked.\nfact today: date\n'}
    sections: list[str] = []
    i = 0
    while sum(s.count("\n") for s in sections) + 4 < lines:
        a = 30 + 2 * i
        sections.append(SECTION.format(i=i, topic=TOPICS[i % len(TOPICS)], a=a, b=a + 1, wait=5 + i % 10))
        i += 1
    per_file = math.ceil(len(sections) / max(1, files - 1))
    for n in range(0, len(sections), per_file):
        name = f"part{n // per_file + 1}"
        imports = "import pack\n" + (f"import part{n // per_file}\n" if n else "")
        # Each part reads one name of the part before it, so the import is used.
        use = f"property chained_{n} cite \"bench\": always deadline_{n - 1} is absent or deadline_{n - 1} is present\n" if n else ""
        texts[f"{name}.rules"] = imports + "\n" + "\n".join(sections[n : n + per_file]) + use
    return texts


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(texts: dict[str, str], repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per stage: (wall-clock samples, CPU-time samples), in ms per run."""
    sources = [SourceFile(path, text) for path, text in texts.items()]

    def parse_all() -> None:
        for source in sources:
            parse_module(source, Path(source.path).stem)

    def front_end() -> None:
        result = load_texts(texts)
        if not result.ok:
            raise SystemExit("the generated pack does not check:\n" + "\n".join(d.message for d in result.diagnostics))

    samples: dict[str, tuple[list[float], list[float]]] = {"parse": ([], []), "front end": ([], [])}
    for name, run in (("parse", parse_all), ("front end", front_end)):
        run()  # warm-up: builds the parser
        wall, cpu = samples[name]
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000, help="size of the generated pack (default 1000)")
    parser.add_argument("--files", type=int, default=4, help="files the pack is spread over (default 4)")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per stage (default 50)")
    parser.add_argument("--write", metavar="PATH", help="also write the generated pack into this folder")
    args = parser.parse_args(argv)
    texts = generate(args.lines, args.files)
    if args.write:
        folder = Path(args.write)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (folder / name).write_text(text)
    lines = sum(t.count("\n") for t in texts.values())
    samples = measure(texts, args.repeat)
    scale = 1000 / lines
    print(f"pack: {lines} lines in {len(texts)} files; {args.repeat} runs per stage; "
          f"Python {platform.python_version()} on {platform.machine()}")
    print("ms per 1,000 lines    wall median   wall p90   CPU median   CPU p90   goal")
    for name, (wall, cpu) in samples.items():
        goal = f"{GOAL_MS:.0f}" if name == "front end" else ""
        print(f"{name:<20} {statistics.median(wall) * scale:>12.1f} {_percentile(wall, 90) * scale:>10.1f} "
              f"{statistics.median(cpu) * scale:>12.1f} {_percentile(cpu, 90) * scale:>9.1f} {goal:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
