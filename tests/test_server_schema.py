"""The OpenAPI document: the committed copy is the served one, and schemathesis finds no
server error and no response that breaks it."""

from __future__ import annotations

import json
import re

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ruleproof.server import models as m
from ruleproof.server.models import PACK_NAME_PATTERN
from ruleproof.server.openapi import document
from server_support import CASE, REPO, make_app

app = make_app(admin_token="schema-token")
# A request can fit the schema and still be refused with 422: facts that do not fit the pack,
# rule files that do not parse. That is the design, so 422 counts as an answer to valid data;
# 400, 413 and 415 for a schema-valid request would still be failures.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2XX", 401, 403, 404, 422, 503]}},
    "headers": {"Authorization": "Bearer schema-token"},
})
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app, config=CONFIG)
PACK_NAME = re.compile(PACK_NAME_PATTERN)
REQUESTS = {"/v1/decide": m.DecideRequestV1, "/v1/decide/batch": m.BatchRequestV1,
            "/v1/validate": m.ValidateRequestV1, "/v1/diff": m.DiffRequestV1}


def _fits(model, body) -> bool:
    try:
        model.model_validate_json(json.dumps(body))
        return True
    except (ValueError, TypeError):
        return False


def _known_pack_variants(body: dict):
    """Random pack names are all unknown (404). For a request that fits the schema, also try
    the loaded pack, and the loaded pack with facts it knows; a request meant to be invalid is
    left alone, so that it stays invalid."""
    if "old" in body and "new" in body:
        return st.fixed_dictionaries({k: _known_pack_variants(v) if isinstance(v, dict) else st.just(v)
                                      for k, v in body.items()})
    if not isinstance(body.get("pack"), str):
        return st.just(body)
    known = {**body, "pack": "shop"}
    plain = {k: v for k, v in known.items() if k != "decisions"}
    variants = [known, body]  # hypothesis favours the first: the interesting one
    if "facts" in body:
        variants.insert(0, {**plain, "facts": CASE})
    if body.get("cases"):
        variants.insert(0, {**plain, "cases": [CASE, *body["cases"][1:]]})
    return st.sampled_from(variants)


@schema.hook
def flatmap_body(context, body):
    model = REQUESTS.get(context.operation.path) if context.operation else None
    if model is None or not isinstance(body, dict) or not _fits(model, body):
        return st.just(body)
    return _known_pack_variants(body)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    name = path_parameters.get("name") if isinstance(path_parameters, dict) else None
    if isinstance(name, str) and PACK_NAME.match(name):
        return st.sampled_from([{**path_parameters, "name": "shop"}, path_parameters])
    return st.just(path_parameters)


def test_committed_document_is_the_served_one():
    committed = json.loads((REPO / "specs" / "openapi.json").read_text())
    served = app.test_client().get("/v1/openapi.json").json
    assert committed == served == document(), "regenerate it: python -m server.openapi > specs/openapi.json"


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()
