"""Nobody gets in: pack and file names cannot leave policies/, the admin endpoint wants its token
(compared in constant time, never from the query string), text from a pack or a request is never
run as Python, and inline packs are bounded. specs/threat-model.md names the threat each test
stands for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruleproof.checker.decisions import decide_json
from ruleproof.checker.evaluate import CompiledPack
from ruleproof.checker.pipeline import load_texts
from ruleproof.server import models as m
from ruleproof.server.decision_log import read_log
from server_support import CASE, REPO, SHOP, close, copy_policies, make_app, shape

SECRET = "s3cret-outside-policies"
TOKEN = "admin-t0ken"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """policies/ with the shop pack, a secret file beside policies/, and a pack whose files are
    symbolic links to that secret and to a folder outside."""
    root = tmp_path_factory.mktemp("world")
    policies = copy_policies(root)
    (root / "secret.rules").write_text(f'pack secret version "1"\nconst {SECRET.replace("-", "_")} = 1\n')
    (root / "outside").mkdir()
    (root / "outside" / "x.rules").write_text(f"# {SECRET}\n")
    linked = policies / "linked"
    linked.mkdir()
    (linked / "pack.rules").symlink_to(root / "secret.rules")
    (policies / "escape").symlink_to(root / "outside", target_is_directory=True)
    app = make_app(policies, admin_token=TOKEN)
    yield app
    close(app)


@pytest.fixture()
def client(world):
    return world.test_client()


def no_secret(response) -> None:
    assert SECRET not in response.get_data(as_text=True) and SECRET.replace("-", "_") not in response.get_data(as_text=True)


TRAVERSALS = [
    "..", "../secret", "../../etc/passwd", "..%2Fsecret", "%2e%2e", "%2e%2e%2fsecret", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%5Csecret", "..\\secret", "/etc/passwd", "%2Fetc%2Fpasswd", "shop%00", "shop%2500", "shop/../secret",
    "shop%2F..%2F..%2Fsecret", "....//secret", ".%2e/secret", "%c0%ae%c0%ae%c0%afsecret", "~", "~root", "x" * 10_000,
]


# ------------------------------------------------------------------ pack names never become paths


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize("suffix", ["", "/files"])
def test_pack_routes_never_leave_the_table(client, name, suffix):
    response = client.get(f"/v1/packs/{name}{suffix}")
    expected = (414, "uri_too_long") if len(name) > 4096 else (404, None)
    assert response.status_code == expected[0], response.get_data(as_text=True)[:300]
    assert shape(m.ErrorV1, response.json)["code"] in (expected[1] or "pack_not_found", "not_found")
    no_secret(response)


RAW_NAMES = ["..", "../secret", "../../etc/passwd", "/etc/passwd", "..\\secret", "shop\u0000", "shop/../shop", "./shop",
             "shop/", " shop", "%2e%2e%2fsecret", "secret.rules", "x" * 10_000, "linked/../../secret", "escape"]


@pytest.mark.parametrize("name", RAW_NAMES)
def test_pack_names_in_bodies_never_leave_the_table(client, name):
    requests = [
        ("/v1/decide", {"pack": name, "facts": CASE}, "pack"),
        ("/v1/decide/batch", {"pack": name, "cases": [CASE]}, "pack"),
        ("/v1/validate", {"pack": name}, "pack"),
        ("/v1/diff", {"old": {"pack": name}, "new": {"pack": "shop"}}, "old.pack"),
        ("/v1/diff", {"old": {"pack": "shop"}, "new": {"pack": name}}, "new.pack"),
    ]
    for path, body, where in requests:
        response = client.post(path, json=body)
        no_secret(response)
        if response.status_code == 200 and path == "/v1/validate":  # the refused pack's own report
            assert name == "escape" and response.json["ok"] is False
            continue
        assert response.status_code in (404, 422, 503), (path, response.get_data(as_text=True)[:300])
        error = shape(m.ErrorV1, response.json)
        assert [e["path"] for e in error["errors"]] == [where], (path, error)


FILE_NAMES = ["../../etc/passwd.rules", "../secret.rules", "/etc/passwd.rules", "/abs.rules", "..\\..\\x.rules",
              "a\\b.rules", "a\u0000.rules", "%2e%2e%2fx.rules", "..%2Fx.rules", "x" * 10_000 + ".rules",
              "a/b/c/d/e.rules", "./a.rules", "a//b.rules", ".rules", "a.rules/", "a.rules\n", "a.RULES", "a.txt",
              "~/a.rules", "a/../b.rules", "\u202ea.rules"]


@pytest.mark.parametrize("name", FILE_NAMES)
def test_file_names_sent_inline_are_names_not_paths(client, name):
    files = {name: 'pack x version "1"\n'}
    for path, body, where in [("/v1/validate", {"files": files}, "files"),
                              ("/v1/diff", {"old": {"files": files}, "new": {"pack": "shop"}}, "old.files")]:
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, name, response.get_data(as_text=True)[:300])
        error = shape(m.ErrorV1, response.json)
        assert error["code"] == "invalid_request"
        assert all(e["path"].startswith(where) for e in error["errors"]), error


def test_inline_packs_never_read_the_disk(client):
    """Imports name modules among the files sent, never files on the server."""
    files = {"a.rules": 'pack a version "1"\nimport secret\nimport passwd\nimport shop\nimport orders\n',
             "sub/b.rules": "fact b: int\n"}
    response = client.post("/v1/validate", json={"files": files})
    assert response.status_code == 200
    body = shape(m.ValidateResponseV1, response.json)
    errors = [(d["code"], d["message"]) for d in body["diagnostics"] if d["severity"] == "error"]
    assert errors == [("E105", f"no module `{name}` in this pack") for name in ("secret", "passwd", "shop", "orders")]
    no_secret(response)


def test_links_out_of_policies_are_not_followed(client):
    """A pack file that is a symbolic link out of policies/, or a pack folder that is one, is
    refused (E001), and nothing of the target is shown."""
    state = shape(m.PackDetailV1, client.get("/v1/packs/linked").json)
    assert state["serving"] is False and state["status"] == "failed"
    assert [d["code"] for d in state["last_failure"]["diagnostics"]] == ["E001"]
    for name in ("linked", "escape"):
        response = client.get(f"/v1/packs/{name}")
        no_secret(response)
        assert client.post("/v1/decide", json={"pack": name, "facts": {}}).status_code in (404, 503)
        no_secret(client.get(f"/v1/packs/{name}/files"))
        no_secret(client.post("/v1/validate", json={"pack": name}))


@pytest.mark.parametrize("name", ["../app.py", "..%2Fapp.py", "%2e%2e/%2e%2e/server/app.py", "/etc/passwd", "..\\app.py",
                                  "playground.js%00.png", "../../policies/marketplace/pack.rules", "%2fetc%2fpasswd"])
def test_static_files_stay_in_their_folder(client, name):
    response = client.get(f"/static/{name}")
    if response.status_code == 308:  # `//etc` is merged into `/etc`: still under /static/
        location = response.headers["Location"].removeprefix("http://localhost")
        assert location.startswith("/static/")
        response = client.get(location)
    assert response.status_code == 404, (name, response.status_code)
    assert b"import" not in response.get_data()


def test_static_files_are_served(client):
    assert client.get("/static/playground.js").status_code == 200


# ------------------------------------------------------------------ the admin token


@pytest.mark.parametrize("headers, query", [
    ({}, ""),
    ({"Authorization": ""}, ""),
    ({"Authorization": "Bearer"}, ""),
    ({"Authorization": "Bearer "}, ""),
    ({"Authorization": "Bearer wrong"}, ""),
    ({"Authorization": f"Bearer {TOKEN[:-1]}"}, ""),
    ({"Authorization": f"Bearer {TOKEN}x"}, ""),
    ({"Authorization": f"Bearer {TOKEN.upper()}"}, ""),
    ({"Authorization": f"Basic {TOKEN}"}, ""),
    ({"Authorization": TOKEN}, ""),
    ({"Authorization": f"Token {TOKEN}"}, ""),
    ({"X-Admin-Token": TOKEN}, ""),
    ({}, f"?token={TOKEN}"),
    ({}, f"?access_token={TOKEN}"),
    ({}, f"?Authorization=Bearer%20{TOKEN}"),
    ({"Authorization": "Bearer wrong"}, f"?access_token={TOKEN}"),
])
def test_admin_reload_refuses_anything_but_the_bearer_token(client, headers, query):
    response = client.post("/v1/admin/reload" + query, headers=headers)
    assert response.status_code == 401, (headers, query, response.get_data(as_text=True))
    assert shape(m.ErrorV1, response.json)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in response.get_data(as_text=True)


def test_admin_reload_takes_the_bearer_token(client):
    for header in (f"Bearer {TOKEN}", f"bearer {TOKEN}", f"Bearer  {TOKEN} "):
        assert client.post("/v1/admin/reload", headers={"Authorization": header}).status_code == 200, header


def test_the_token_is_compared_in_constant_time(client, monkeypatch):
    """The comparison goes through hmac.compare_digest (its time does not depend on where the
    strings differ), on bytes, whatever the header holds."""
    from ruleproof.server import ops

    calls = []
    real = ops.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(ops.hmac, "compare_digest", spy)
    for given in ("wrong", TOKEN, "\u00e9\u00e9", "x" * 10_000):
        client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {given}"})
    assert [b for _, b in calls] == [TOKEN.encode()] * 4
    assert all(isinstance(a, bytes) for a, _ in calls)
    source = Path(ops.__file__).read_text()
    assert "== token" not in source and "token ==" not in source


@pytest.mark.parametrize("token", [None, ""])
def test_admin_endpoints_are_off_without_a_token(token):
    app = make_app(admin_token=token)
    try:
        client = app.test_client()
        for header in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
            response = client.post("/v1/admin/reload", headers=header)
            assert response.status_code == 403 and response.json["code"] == "admin_disabled"
    finally:
        close(app)


def test_the_token_appears_in_no_answer(client):
    for path in ("/metrics", "/v1/openapi.json", "/v1/packs", "/ready", "/health", "/"):
        assert TOKEN not in client.get(path).get_data(as_text=True), path


# ------------------------------------------------------------------ nothing from outside runs as Python

MARKER = "/tmp/ruleproof-security-test-pwned"
PAYLOADS = [
    f"__import__('os').system('touch {MARKER}')",
    f"'); __import__('os').system('touch {MARKER}'); ('",
    f'\\"); __import__(\\"os\\").system(\\"touch {MARKER}\\"); (\\"',
    f"{{__import__('os').system('touch {MARKER}')}}",
    f"\\\\'); import os; os.system('touch {MARKER}') #",
]
#: names that are Python keywords, builtins, or the generated code's own variables: if a name
#: were pasted into the generated source unquoted, one of these would break it or take it over
HOSTILE_NAMES = ["__import__", "exec", "eval", "os", "F", "D", "K", "CAL", "_div", "_unique", "Undetermined", "won", "acc",
                 "top", "f0", "w0", "v", "U", "A", "d0", "s0", "run", "decide", "None", "True", "__builtins__", "lambda"]


#: the payloads as written between the quotes of a string literal in a pack
IN_PACK = [p.replace('"', '\\"') if '\\"' not in p else p for p in PAYLOADS]
#: ... and the strings the pack reads from them (its escapes undone)
READ = [re.sub(r"\\(.)", r"\1", p) for p in IN_PACK]


def hostile_pack() -> str:
    """Hostile text wherever a pack holds text: string literals, a table's cells, a default, cites,
    reasons, an example's name and values, an obligation's text; names as in HOSTILE_NAMES."""
    strings = IN_PACK
    cells = "\n".join(f'  row "{s}" => {i + 1}%' for i, s in enumerate(strings))
    return f'''pack hostile version "1"
fact category: string cite "{strings[0]}"
fact __import__: int cite "{strings[1]}"
fact exec: bool = false
fact F: date
decision eval: rate hit first default 9% cite "{strings[2]}"
table os for eval cite "{strings[3]}":
  given category
{cells}
decision D: string default "{strings[4]}" cite "x"
rule K cite "{strings[0]}":
  when category == "{strings[1]}" and __import__ > 0
  then D = "{strings[2]}"
decision CAL: int = __import__ + 1
decision _div: bool default false
rule won: when exec then _div = true
rule acc: when __import__ > 5 then _div = true overrides won because "{strings[3]}"
decision None: date = F + 3 days
fact today: date
fact A: date?
obligation lambda cite "x": D must "{strings[4]}" when exec by F + 2 days done A
example "{strings[0]}": given category = "{strings[1]}", __import__ = 2, exec = false, F = 2026-01-01
  expect D = "{strings[2]}", eval = 9%, CAL = 3, _div = false, None = 2026-01-04
'''


@pytest.fixture()
def no_marker():
    Path(MARKER).unlink(missing_ok=True)
    yield
    assert not Path(MARKER).exists(), "a payload ran"


def test_hostile_text_in_a_pack_decides_as_data(no_marker):
    result = load_texts({"hostile.rules": hostile_pack()})
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.severity.value == "error"]
    compiled = CompiledPack(result.pack)
    for i, category in enumerate(READ):
        out = decide_json(compiled, {"category": category, "__import__": 9, "exec": True, "F": "2026-01-01"}, explain=True)
        assert out["decisions"]["eval"] == (i + 1) / 100 and out["decisions"]["CAL"] == 10
        assert out["decisions"]["_div"] is True and out["decisions"]["None"] == "2026-01-04"
    out = decide_json(compiled, {"category": READ[1], "__import__": 1})
    assert out["decisions"]["D"] == READ[2]


def test_hostile_names_are_names():
    """Names are identifiers by the grammar: anything else is a syntax error, not code."""
    for name in ["x'); import os; ('", "x; import os", "a.b", "a(b)", "a b", "__import__('os')", "a\u0000b", "é"]:
        result = load_texts({"a.rules": f'pack a version "1"\nfact {name}: int\n'})
        assert not result.ok and result.diagnostics[0].code in ("E002", "E003"), name
    for name in HOSTILE_NAMES:
        result = load_texts({"a.rules": f'pack a version "1"\nfact {name}: int\ndecision d_{name}: int = {name} + 1\n'})
        if result.ok:  # a reserved word is refused (E110); any other name decides as data
            assert decide_json(CompiledPack(result.pack), {name: 1})["decisions"] == {f"d_{name}": 2}
        else:
            assert {d.code for d in result.diagnostics} <= {"E002", "E110"}, (name, result.diagnostics)


def test_hostile_text_over_http_decides_and_validates_as_data(tmp_path, no_marker):
    policies = tmp_path / "policies"
    (policies / "hostile").mkdir(parents=True)
    (policies / "hostile" / "hostile.rules").write_text(hostile_pack())
    log = tmp_path / "decisions.sqlite"
    app = make_app(policies, decision_log=log)
    try:
        client = app.test_client()
        assert client.get("/v1/packs/hostile").json["status"] == "ok"
        category = READ[0]
        response = client.post("/v1/decide", json={"pack": "hostile", "explain": True, "timeline": True,
                                                   "facts": {"category": category, "__import__": 1, "F": "2026-01-01"}})
        assert response.status_code == 200 and response.json["decisions"]["eval"] == 0.01
        # an unknown fact whose name is SQL or Python is refused by name, not run
        body = client.post("/v1/decide", json={"pack": "hostile", "facts": {"'); DROP TABLE decisions; --": 1}}).json
        assert body["code"] == "invalid_facts"
        response = client.post("/v1/validate", json={"files": {"hostile.rules": hostile_pack()}})
        assert response.status_code == 200 and response.json["ok"] is True
        response = client.post("/v1/diff", json={"old": {"pack": "hostile"},
                                                 "new": {"files": {"h.rules": hostile_pack().replace("9%", "8%")}}})
        assert response.status_code == 200 and response.json["changed"] is True
        svg = client.post("/v1/timeline/svg", json={"timeline": {"events": [
            {"date": "2026-01-01", "name": '"><script>alert(1)</script>', "kind": "<img src=x onerror=alert(1)>"}],
            "windows": [{"name": "</title><script>", "first": "2026-01-01", "last": "2026-01-02", "empty": False}]},
            "title": "<script>alert(1)</script>", "highlight": ["</title><script>"]}).json["svg"]
        assert "<script" not in svg and "<img" not in svg and "&lt;script&gt;" in svg
    finally:
        close(app)
    [row] = list(read_log(log))
    assert row.facts["category"] == category  # stored as data, with bound parameters


def test_only_the_evaluator_executes_generated_code():
    """No request handler calls eval or exec, unpickles, or runs a shell; the only execs are the
    evaluator's (its decisions, and the plans of checker/fused.py that inline them), over source
    it generates from the IR (see specs/threat-model.md)."""
    hits = {}
    for path in sorted((REPO / "server").glob("*.py")) + sorted((REPO / "checker").rglob("*.py")):
        text = path.read_text()
        for pattern in (r"\beval\(", r"\bexec\(", r"pickle", r"yaml\.load", r"shell=True", r"os\.system", r"__import__"):
            for match in re.finditer(pattern, text):
                line = text[: match.start()].count("\n") + 1
                if "model.eval(" in text[match.start() - 6 : match.end()]:  # z3's, on the solver's model
                    continue
                hits.setdefault(path.relative_to(REPO).as_posix(), []).append((pattern, line))
    evaluator = {"checker/evaluate.py", "checker/fused.py"}
    assert set(hits) == evaluator and all({p for p, _ in hits[f]} == {r"\bexec\("} for f in evaluator), hits


# ------------------------------------------------------------------ limits on what is sent


def test_limits_hold_on_both_sides_of_a_diff():
    app = make_app(max_pack_files=2, max_pack_bytes=2000, max_pack_rules=1)
    try:
        client = app.test_client()
        many = {f"f{i}.rules": "# x\n" for i in range(3)}
        big = {"a.rules": "#" * 2001}
        shop = {p.name: p.read_text() for p in sorted(SHOP.glob("*.rules"))}
        for side, other in (("old", "new"), ("new", "old")):
            body = client.post("/v1/diff", json={side: {"files": many}, other: {"pack": "shop"}}).json
            assert body["code"] == "limit_exceeded" and body["errors"][0]["path"] == f"{side}.files"
            body = client.post("/v1/diff", json={side: {"files": big}, other: {"pack": "shop"}}).json
            assert body["code"] == "limit_exceeded" and body["errors"][0]["path"] == f"{side}.files"
            body = client.post("/v1/diff", json={side: {"files": shop}, other: {"pack": "shop"}}).json
            assert body["code"] == "limit_exceeded" and "rules" in body["message"]
        body = client.post("/v1/validate", json={"files": many}).json
        assert body["code"] == "limit_exceeded"
    finally:
        close(app)


def test_the_limits_by_default():
    app = make_app()
    try:
        cfg = app.extensions["ruleproof"].config
        assert (cfg.max_request_bytes, cfg.max_pack_files, cfg.max_pack_bytes, cfg.max_pack_rules, cfg.max_batch_cases,
                cfg.check_timeout_ms, cfg.check_deadline_s, cfg.check_queue) == (
            1024 * 1024, 64, 256 * 1024, 500, 10_000, 5_000, 60.0, 2)
        assert app.config["MAX_CONTENT_LENGTH"] == cfg.max_request_bytes
    finally:
        close(app)
