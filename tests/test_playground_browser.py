"""The playground page in real headless Chromium (Debian's `chromium`, driven by Playwright), at
1440×900 and at a phone's 390×844: the CodeMirror editor with the grammar's highlighting, an edit
that changes a decision (decided with the edited text, and said so), a counterexample loaded into
the form, a share link that reopens the same edits, no horizontal scroll on a phone, the
keyboard path to Decide, the pack's examples run with coverage, names for every control and
readable contrast in the light and the dark colour scheme. Screenshots go to
tests/artifacts/playground/."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from ruleproof.server.app import create_app
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts" / "playground"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CASE = {"shipped_on": "2025-06-13", "promised_delivery_days": "12", "platform_default_delivery_days": "15",
        "today": "2025-06-20"}


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
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (.ci/run and `make test` install it)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open(browser, url: str, width: int, height: int) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(url)
    page.wait_for_selector("#fact-fields .fact")
    page.wait_for_selector(".cm-content .tok-keyword")
    return page, errors


@pytest.fixture(scope="module")
def desktop(browser, base_url):
    page, errors = _open(browser, base_url + "/", 1440, 900)
    yield page
    assert not errors, errors
    page.close()


def _decide(page: Page) -> str:
    for fact, value in CASE.items():
        field = page.locator(f"#fact-{fact}")
        group = page.locator("details.fact-group", has=field)
        if group.get_attribute("open") is None:
            group.locator("summary").click()  # the facts are grouped by module, some groups folded
        field.fill(value)
    page.locator("#decide-button").click()
    page.wait_for_selector("#decided-table, #decision-result [role=alert]")
    alert = page.locator("#decision-result [role=alert]")
    assert not alert.count(), alert.inner_text()
    return page.locator("#decided-table tr", has_text="refund_request_opens").inner_text()


def _show_line(page: Page, text: str):
    """Scroll the editor (as a reader would) until the line holding `text` is drawn."""
    line = page.locator(".cm-line", has_text=text)
    page.locator(".cm-scroller").evaluate("s => s.scrollTop = 0")
    for _ in range(200):
        if line.count():
            line.first.scroll_into_view_if_needed()
            return line.first
        page.locator(".cm-scroller").evaluate("s => s.scrollTop += 200")
        page.wait_for_timeout(50)
    raise AssertionError(f"no line {text!r} in the editor")


def _edit_refund_wait(page: Page, days: str) -> None:
    """Put the cursor at the end of `const refund_wait = 10 days` and retype the number, by keyboard."""
    line = _show_line(page, "const refund_wait = 10 days")
    line.click()
    page.keyboard.press("End")
    for _ in range(len("10 days")):
        page.keyboard.press("Backspace")
    page.keyboard.type(f"{days} days")


def test_editor_is_codemirror_with_the_grammars_highlighting(desktop: Page) -> None:
    assert desktop.locator(".cm-editor .cm-lineNumbers .cm-gutterElement").count() > 10
    desktop.locator(".cm-scroller").evaluate("s => s.scrollTop = 900")  # the rules, below the facts
    desktop.wait_for_timeout(200)
    keywords = desktop.locator(".cm-content .tok-keyword").all_inner_texts()
    assert {"rule", "when", "then", "cite"} <= set(keywords), keywords[:20]
    assert desktop.locator(".cm-content .tok-number").count() > 0
    assert desktop.locator(".cm-content .tok-comment").count() > 0 and desktop.locator(".cm-content .tok-string").count() > 0
    assert desktop.locator("[role=tab][aria-selected=true]").inner_text() == "refunds.rules"
    desktop.screenshot(path=str(ARTIFACTS / "desktop-1-editor.png"))


def test_open_findings_first_accepted_folded_and_every_span_clickable(desktop: Page) -> None:
    summary = desktop.locator("#findings-summary").inner_text()
    assert summary.startswith("0 errors") and "accepted" in summary
    assert desktop.locator("#accepted-section").get_attribute("open") is None  # folded
    assert desktop.locator("#accepted-findings .kind").first.text_content().startswith("accepted ")
    desktop.locator("#accepted-section summary").click()
    spans = desktop.locator("#accepted-findings .span-link")
    assert spans.count() >= desktop.locator("#accepted-findings li").count()


def test_a_counterexample_loads_into_the_form(desktop: Page) -> None:
    desktop.locator("#accepted-section").evaluate("d => d.open = true")
    finding = desktop.locator("#accepted-findings .finding-open[data-code=E609]").first
    finding.click()
    desktop.locator("#load-case").click()
    case = desktop.evaluate("() => JSON.parse(document.getElementById('facts-json').value)")
    assert case, "the JSON pane shows the loaded case"
    for name, value in case.items():  # every fact of the case is in its field
        assert desktop.locator(f"#fact-{name}").input_value() == (value if isinstance(value, str) else json.dumps(value))
    assert desktop.evaluate("document.activeElement.id") == "decide-button"
    desktop.screenshot(path=str(ARTIFACTS / "desktop-2-case-loaded.png"))


def test_an_edit_changes_the_decision_and_the_page_says_which_version_decided(desktop: Page) -> None:
    desktop.locator("#fact-fields input, #fact-fields select").evaluate_all("es => es.forEach(e => e.value = '')")
    assert "2025-06-23" in _decide(desktop)
    assert desktop.locator("#decided-by").inner_text().startswith("decided with the served version")
    desktop.locator("#tab-refunds\\.rules").click()
    _edit_refund_wait(desktop, "3")
    assert "refunds.rules" in desktop.locator("#edit-state").inner_text()
    assert "2025-06-16" in _decide(desktop)  # shipped 2025-06-13 + 3 days
    assert "YOUR EDITED version" in desktop.locator("#decided-by").inner_text()
    desktop.screenshot(path=str(ARTIFACTS / "desktop-3-edited-decision.png"), full_page=True)


def test_undo_survives_a_tab_switch_share_link_reopens_the_edits_reset_shows_the_diff(desktop: Page, browser, base_url) -> None:
    desktop.locator("#tab-orders\\.rules").click()
    desktop.locator("#tab-refunds\\.rules").click()
    _show_line(desktop, "const refund_wait = 3 days")
    desktop.locator("#share-button").click()
    expect(desktop.locator("#share-link")).to_have_value(re.compile("#edits="))  # share() compresses asynchronously
    link = desktop.locator("#share-link").input_value()
    assert "#edits=" in link and "refund_wait" not in link  # compressed, in the fragment only
    other, errors = _open(browser, link, 1440, 900)
    _show_line(other, "const refund_wait = 3 days")
    assert "refunds.rules" in other.locator("#edit-state").inner_text()
    assert not errors, errors
    other.close()
    desktop.locator("#reset-button").click()  # reset shows what would be lost; keep the edits
    diff = desktop.locator("#reset-diff").inner_text()
    assert "-const refund_wait = 10 days" in diff and "+const refund_wait = 3 days" in diff
    desktop.locator("#reset-dialog button[value=cancel]").click()
    _show_line(desktop, "const refund_wait = 3 days").click()
    desktop.keyboard.press("Control+z")
    _show_line(desktop, "const refund_wait = 10 days")


def test_phone_width_has_no_horizontal_scroll(browser, base_url) -> None:
    phone, errors = _open(browser, base_url + "/", 390, 844)
    phone.screenshot(path=str(ARTIFACTS / "phone-1-top.png"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert "2025-06-23" in _decide(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    svg = phone.locator("#decision-result svg.timeline")
    assert svg.locator("g.legend text").evaluate_all("ts => ts.map(t => t.textContent)")[:2] == ["fact", "decision"]
    smallest = svg.evaluate("""s => Math.min(...[...s.querySelectorAll('text')].map(t =>
        parseFloat(getComputedStyle(t).fontSize) * s.getBoundingClientRect().width / s.viewBox.baseVal.width))""")
    assert smallest >= 11, f"timeline labels drawn at {smallest:.1f} px on a phone"
    phone.locator("#decision-result").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "phone-2-decided.png"))
    phone.locator("#examples-button").click()
    phone.locator("#passed-examples summary").click()  # the examples' tables, unfolded, fit too
    phone.locator("#passed-examples li").first.scroll_into_view_if_needed()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "phone-3-examples.png"))
    assert not errors, errors
    phone.close()


def test_keyboard_reaches_decide_within_30_tab_presses(browser, base_url) -> None:
    page, errors = _open(browser, base_url + "/", 1440, 900)
    presses = 0
    while not page.evaluate("document.activeElement && document.activeElement.id === 'decide-button'"):
        assert presses < 30, f"Decide not reached in 30 Tab presses (at {page.evaluate('document.activeElement.outerHTML.slice(0, 80)')})"
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("document.activeElement.classList.contains('skip-link')"):
            page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_selector("#decided-by")
    # the tab list is one Tab stop; arrow keys move along it
    page.locator("#tab-refunds\\.rules").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-selected')") == "true"
    assert page.locator("[role=tab][tabindex='0']").count() == 1
    assert not errors, errors
    page.close()


def test_choosing_decisions_puts_the_facts_they_need_first(desktop: Page) -> None:
    desktop.locator("#decision-select").select_option(["refund_request_opens"])
    first = desktop.locator("#fact-fields details.fact-group").first
    assert first.locator("summary").inner_text().startswith("needed by refund_request_opens")
    assert first.get_attribute("open") is not None
    names = first.locator("input, select").evaluate_all("es => es.map(e => e.name)")
    assert {"shipped_on", "promised_delivery_days"} <= set(names) and len(names) < 10, names
    desktop.locator("#decision-select").select_option([])


def test_accessibility_tree_names_every_control(desktop: Page) -> None:
    tree = desktop.locator("body").aria_snapshot()
    for expected in ('heading "ruleproof playground"', 'button "Check pack (Ctrl+Enter)"', 'heading "Findings"',
                     'combobox "Pack"', 'tablist "Files of the pack"', 'button "Decide"', 'textbox "Rules of'):
        assert expected in tree, expected
    unnamed = desktop.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter(e => e.offsetParent !== null)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
        .map(e => e.id || e.outerHTML.slice(0, 60))""")
    assert unnamed == []


def _served_and_edited_examples(refund_wait: str):
    """`ruleproof test` on the served marketplace pack and on it with `refund_wait` changed."""
    from ruleproof.checker.evaluate import CompiledPack
    from ruleproof.checker.examples import run_examples
    from ruleproof.checker.pipeline import load_texts

    texts = {p.name: p.read_text() for p in sorted((REPO / "policies" / "marketplace").glob("*.rules"))}
    edited = {**texts, "refunds.rules": texts["refunds.rules"].replace(
        "const refund_wait = 10 days", f"const refund_wait = {refund_wait} days")}
    return [run_examples(CompiledPack(load_texts(t).pack)) for t in (texts, edited)]


def test_the_examples_run_from_the_page_with_expected_actual_and_coverage(browser, base_url) -> None:
    served, edited = _served_and_edited_examples("3")
    assert edited.failures, "the edit must break an example for this test to mean anything"
    page, errors = _open(browser, base_url + "/", 1440, 900)
    page.locator("#examples-button").click()
    summary = page.locator("#examples-summary").inner_text()
    total = len(served.runs)
    covered = len(served.rules) - len(served.uncovered)
    assert summary.startswith(f"{served.passed} of {total} examples passed, 0 failed")
    assert f"rule coverage {100 * served.coverage:.1f}% ({covered}/{len(served.rules)} rules)" in summary
    assert "the served version" in summary
    assert page.locator("#passed-examples > ol > li").count() == total and page.locator("#failed-examples li").count() == 0
    _edit_refund_wait(page, "3")
    page.locator("#examples-button").click()
    page.wait_for_selector("#failed-examples li")
    assert "YOUR EDITED version (refunds.rules)" in page.locator("#examples-summary").inner_text()
    failed_titles = {run.example.title for run in edited.runs if not run.ok}
    shown = page.locator("#failed-examples .example-open").all_inner_texts()
    assert {t.split(" ", 1)[1].split(" (cites ")[0] for t in shown} == failed_titles
    assert all(t.startswith("FAILED ") for t in shown)
    first = page.locator("#failed-examples li").first
    wrong = first.locator("tr.fail td").all_inner_texts()  # expected, actual, FAIL
    assert wrong[2] == "FAIL" and wrong[0] != wrong[1]
    run = next(r for r in edited.runs if not r.ok and r.example.title in shown[0])
    first.locator(".example-open").click()  # shows the example in the editor
    file = run.example.span.path.split("/")[-1]
    assert page.locator("[role=tab][aria-selected=true]").inner_text() == file
    assert page.locator(".cm-lineNumbers .cm-activeLineGutter").inner_text() == str(run.example.span.line)  # the cursor's line
    page.locator("#examples-section").screenshot(path=str(ARTIFACTS / "desktop-4-examples.png"))
    (uncovered,) = edited.uncovered  # the rule the edit leaves uncovered is marked in the text
    assert page.locator("#uncovered-rules li").inner_text().startswith(f"{uncovered.name} ({uncovered.decision})")
    page.locator("#editor").scroll_into_view_if_needed()  # CodeMirror draws the lines of a visible editor only
    marked = _show_line(page, f"rule {uncovered.name}").locator(".cm-lintRange-info")
    assert marked.count() == 1
    assert not errors, errors
    page.close()


CONTRAST = """() => {
      const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                                   return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      const background = el => { for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); }
        return [255, 255, 255]; };
      const out = [];
      for (const el of document.querySelectorAll('h1, h2, h3, p, label, button, td, th, summary, caption, option, span, li')) {
        if (!el.textContent.trim() || el.offsetParent === null || el.closest('.cm-activeLine')) continue;
        const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) out.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return out; }"""


def test_text_contrast_is_readable(desktop: Page) -> None:
    """WCAG AA: every text element's colour against its effective background is at least 4.5:1."""
    assert desktop.evaluate(CONTRAST) == []


def test_dark_mode_text_contrast_is_readable(browser, base_url) -> None:
    """The dark colour scheme (prefers-color-scheme: dark) is applied and meets WCAG AA too,
    measured with findings, a finding's detail, a decided case and the examples on the page."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, color_scheme="dark")
    page.goto(base_url + "/")
    page.wait_for_selector("#fact-fields .fact")
    page.wait_for_selector(".cm-content .tok-keyword")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(22, 24, 28)", background  # the dark palette's --bg, not white
    page.locator("#accepted-section").evaluate("d => d.open = true")
    page.locator("#accepted-findings .finding-open").first.click()
    # the detail is drawn after its timeline arrives, and then the editor takes the focus (it
    # jumps to the finding): wait for that, or the facts typed next may land in the editor
    page.wait_for_selector("#finding-detail h3")
    _decide(page)
    page.locator("#examples-button").click()
    page.wait_for_selector("#examples-summary")
    page.locator("#passed-examples").evaluate("d => d.open = true")
    page.screenshot(path=str(ARTIFACTS / "desktop-5-dark.png"))
    assert page.evaluate(CONTRAST) == []
    page.close()
