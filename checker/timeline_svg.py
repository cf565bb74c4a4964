"""Timelines drawn as SVG: dated events as marks on a date axis, windows as bars, today as a
line, and the windows a finding is about highlighted and labelled (an empty window is drawn
as a red marker between its opening and closing days)."""

from __future__ import annotations

import datetime as dt
from html import escape

WIDTH, RIGHT = 940, 270
ROW, TOP = 26, 54
COLORS = {"fact": "#1f5fa8", "decision": "#6b3fa0", "today": "#b3261e", "conflict": "#b3261e",
          "window": "#7fb77e", "marked": "#e8a33d", "marked_stroke": "#8a4b00", "empty": "#b3261e"}


def _day(text: str) -> int:
    return dt.date.fromisoformat(text[:10]).toordinal()


def timeline_svg(timeline: dict, highlight: list[str] | None = None, title: str = "timeline") -> str:
    """An accessible SVG (role=img, a <title>, text labels) of a timeline from checker.timeline."""
    highlight = set(highlight or [])
    events = [e for e in timeline.get("events", []) if e["name"] != "today"]
    today = next((e for e in timeline.get("events", []) if e["name"] == "today"), None)
    windows = timeline.get("windows", [])
    days = [_day(e["date"]) for e in timeline.get("events", [])]
    days += [_day(w[k]) for w in windows for k in ("first", "last")]
    if not days:
        return f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="40"><title>{escape(title)}</title>' \
               '<text x="10" y="24" fill="#222">no dated events</text></svg>'
    lo, hi = min(days) - 1, max(days) + 1
    span = max(hi - lo, 1)
    left = min(360, 20 + 7 * max(len(item["name"]) for item in [*events, *windows, {"name": ""}]))

    def x(day: int) -> float:
        return left + (day - lo) * (WIDTH - left - RIGHT) / span

    rows = len(events) + len(windows)
    height = TOP + rows * ROW + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>", f"<desc>{escape(timeline.get('text', ''))}</desc>"]
    out.append(_legend())
    out.append(_axis(lo, hi, x, height, left))
    row = 0
    for event in events:
        y = TOP + row * ROW
        cx = x(_day(event["date"]))
        color = COLORS.get(event["kind"], "#333")
        out.append(f'<g class="event" data-name="{escape(event["name"])}" data-date="{event["date"]}">'
                   f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" fill="#222">{escape(event["name"])}</text>'
                   f'<circle cx="{cx:.1f}" cy="{y}" r="5" fill="{color}"/>'
                   f'<text x="{cx + 8:.1f}" y="{y + 4}" fill="#222">{event["date"]}</text></g>')
        row += 1
    for window in windows:
        y = TOP + row * ROW
        first, last = _day(window["first"]), _day(window["last"])
        marked = window["name"] in highlight
        cls = "window" + (" highlighted" if marked else "") + (" empty" if window["empty"] else "")
        label = f'{window["name"]}: ' + (f'empty (opens {window["first"]}, closes {window["last"]})' if window["empty"]
                                         else f'{window["first"]} to {window["last"]}')
        out.append(f'<g class="{cls}" data-name="{escape(window["name"])}" data-first="{window["first"]}" '
                   f'data-last="{window["last"]}" data-empty="{str(window["empty"]).lower()}">'
                   f'<title>{escape(label)}</title>'
                   f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" fill="#222">{escape(window["name"])}</text>')
        if window["empty"]:
            a, b = sorted((x(first), x(last + 1)))
            out.append(f'<rect x="{a:.1f}" y="{y - 7}" width="{max(b - a, 3):.1f}" height="14" fill="none" '
                       f'stroke="{COLORS["empty"]}" stroke-width="2" stroke-dasharray="4 2"/>'
                       f'<text x="{b + 6:.1f}" y="{y + 4}" fill="#b3261e" class="label">{escape(label)}</text>')
        else:
            a, b = x(first), x(last + 1)
            fill = COLORS["marked"] if marked else COLORS["window"]
            stroke = f' stroke="{COLORS["marked_stroke"]}" stroke-width="2"' if marked else ""
            out.append(f'<rect x="{a:.1f}" y="{y - 7}" width="{max(b - a, 2):.1f}" height="14" rx="3" fill="{fill}"{stroke}/>'
                       f'<text x="{b + 6:.1f}" y="{y + 4}" fill="#222" class="label">{escape(label)}</text>')
        out.append("</g>")
        row += 1
    if today is not None:
        tx = x(_day(today["date"]))
        out.append(f'<g class="today" data-date="{today["date"]}"><line x1="{tx:.1f}" y1="{TOP - 22}" x2="{tx:.1f}" '
                   f'y2="{height - 24}" stroke="{COLORS["today"]}" stroke-width="2" stroke-dasharray="5 3"/>'
                   f'<text x="{tx + 4:.1f}" y="{TOP - 26}" fill="{COLORS["today"]}">today {today["date"]}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _axis(lo: int, hi: int, x, height: int, left: int) -> str:
    step = max(1, (hi - lo) // 8)
    ticks = []
    for day in range(lo, hi + 1, step):
        label = dt.date.fromordinal(day).isoformat()
        ticks.append(f'<line x1="{x(day):.1f}" y1="{height - 24}" x2="{x(day):.1f}" y2="{height - 20}" stroke="#555"/>'
                     f'<text x="{x(day):.1f}" y="{height - 6}" text-anchor="middle" fill="#444">{label[5:]}</text>')
    return (f'<g class="axis"><line x1="{left}" y1="{height - 24}" x2="{WIDTH - RIGHT}" y2="{height - 24}" stroke="#555"/>'
            + "".join(ticks) + "</g>")


def _legend() -> str:
    """What the marks mean, in one line above the rows: facts and decisions as dots, windows as
    bars (highlighted: the finding's), today as a dashed line."""
    items = [
        f'<circle cx="10" cy="12" r="5" fill="{COLORS["fact"]}"/><text x="20" y="16" fill="#222">fact</text>',
        f'<circle cx="70" cy="12" r="5" fill="{COLORS["decision"]}"/><text x="80" y="16" fill="#222">decision</text>',
        f'<rect x="150" y="6" width="22" height="12" rx="3" fill="{COLORS["window"]}"/><text x="178" y="16" fill="#222">window</text>',
        f'<rect x="240" y="6" width="22" height="12" rx="3" fill="{COLORS["marked"]}" stroke="{COLORS["marked_stroke"]}" '
        'stroke-width="2"/><text x="268" y="16" fill="#222">window of the finding</text>',
        f'<rect x="430" y="6" width="22" height="12" fill="none" stroke="{COLORS["empty"]}" stroke-width="2" '
        'stroke-dasharray="4 2"/><text x="458" y="16" fill="#222">empty window</text>',
        f'<line x1="560" y1="4" x2="560" y2="20" stroke="{COLORS["today"]}" stroke-width="2" stroke-dasharray="5 3"/>'
        '<text x="568" y="16" fill="#222">today</text>',
    ]
    return '<g class="legend">' + "".join(items) + "</g>"
