"""The playground page in real headless Chromium (Debian's `chromium`, driven by Playwright):
load the page, introduce a conflict in the editor, see the finding, click it, decide a case,
and check the timelines' bars and labels in the DOM — with the keyboard alone, and with the
accessibility tree and contrast checked. Screenshots go to tests/artifacts/playground/."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from ruleproof.server.app import create_app
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts" / "playground"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
OVERRIDE = re.compile(r'\n  overrides refund_after_ten_days\n  because "[^"]*"')


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    policies = tmp_path_factory.mktemp("policies")
    shutil.copytree(REPO / "policies" / "marketplace", policies / "marketplace")
    app = create_app({"policies_dir": policies, "decision_log": None, "reload_interval": 0})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["ruleproof"].close()


@pytest.fixture(scope="module")
def page(base_url):
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (.ci/run and `make test` install it)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(base_url + "/")
        page.wait_for_selector("#fact-fields .fact")
        page.wait_for_function("document.getElementById('editor').value.includes('refund_after_ten_days')")
        yield page
        assert not errors, errors
        browser.close()


def _tab_to(page: Page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_conflict_finding_click_and_decide(page: Page) -> None:
    editor = page.locator("#editor")
    text = editor.input_value()
    assert OVERRIDE.search(text), "the refunds module shows the Art. 36/39 override"
    editor.fill(OVERRIDE.sub("", text))
    page.keyboard.press("Control+Enter")
    finding = page.locator("#findings button[data-code=E602]").first
    finding.wait_for(timeout=60_000)
    assert "refund_after_ten_days" in finding.inner_text()
    page.screenshot(path=str(ARTIFACTS / "1-conflict-found.png"))

    _tab_to(page, "#findings button[data-code=E602]")
    page.keyboard.press("Enter")
    detail = page.locator("#finding-detail svg.timeline")
    detail.wait_for()
    line = page.evaluate("""() => { const e = document.getElementById('editor');
        return e.value.slice(0, e.selectionStart).split('\\n').length; }""")
    selected = page.evaluate("""() => { const e = document.getElementById('editor');
        return e.value.slice(e.selectionStart, e.selectionEnd); }""")
    assert page.evaluate("document.activeElement.id") == "editor"
    assert page.locator("[role=tab][aria-selected=true]").inner_text() == "refunds.rules"
    assert selected.startswith("rule refund_immediately") and line > 1
    marks = page.locator("#finding-detail svg g.event").evaluate_all("gs => gs.map(g => g.dataset.name)")
    assert any(name.startswith("by refund_") for name in marks), marks
    page.screenshot(path=str(ARTIFACTS / "2-finding-opened.png"))

    for fact, value in (("shipped_on", "2025-06-13"), ("promised_delivery_days", "12"),
                        ("platform_default_delivery_days", "15"), ("today", "2025-06-20")):
        _tab_to(page, f"#fact-{fact}")
        page.keyboard.type(value if fact != "shipped_on" and fact != "today" else _date_keys(value))
    assert page.locator("#fact-shipped_on").input_value() == "2025-06-13"
    _tab_to(page, "#decide-button")
    page.keyboard.press("Enter")
    svg = page.locator("#decision-result svg.timeline")
    svg.wait_for()
    refund = svg.locator("g.window[data-name=refund_request]")
    assert refund.get_attribute("data-first") == "2025-06-23" and refund.get_attribute("data-last") == "2025-06-28"
    assert "refund_request: 2025-06-23 to 2025-06-28" in refund.text_content()
    confirmation = svg.locator("g.window[data-name=confirmation]")
    assert confirmation.get_attribute("data-last") == "2025-06-28"
    assert svg.locator("g.today").get_attribute("data-date") == "2025-06-20"
    assert page.locator("#decided-table").inner_text().count("refund_request_allowed") == 1
    page.locator("#decision-result").screenshot(path=str(ARTIFACTS / "3-decided.png"))


def _date_keys(iso: str) -> str:
    """What to type into a date input (Chromium's en-US field order: month, day, year)."""
    year, month, day = iso.split("-")
    return f"{month}{day}{year}"


def test_accessibility_tree_names_every_control(page: Page) -> None:
    tree = page.locator("body").aria_snapshot()
    for expected in ('heading "ruleproof playground"', 'button "Check pack (Ctrl+Enter)"', 'heading "Findings"',
                     'combobox "Pack"', 'tablist "Files of the pack"', 'button "Decide"', 'textbox "Rules of'):
        assert expected in tree, expected
    unnamed = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
        .map(e => e.id || e.outerHTML.slice(0, 60))""")
    assert unnamed == []


def test_text_contrast_is_readable(page: Page) -> None:
    """WCAG AA: every text element's colour against its effective background is at least 4.5:1."""
    failures = page.evaluate("""() => {
      const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                                   return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      const background = el => { for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); }
        return [255, 255, 255]; };
      const out = [];
      for (const el of document.querySelectorAll('h1, h2, h3, p, label, button, td, th, summary, caption, option, span, li')) {
        if (!el.textContent.trim() || el.offsetParent === null) continue;
        const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) out.push(`${el.tagName}#${el.id} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return out; }""")
    assert failures == []
