"""The reference for bench/http.py: a minimal Flask app answering the same routes with a small
JSON body (it parses the request's JSON and decides nothing), run on gunicorn gthread with the
same workers and threads as the service: what the framework and the server cost alone."""

from flask import Flask, jsonify, request

app = Flask("reference")


@app.get("/ready")
def ready():
    return jsonify(ready=True)


@app.post("/v1/decide")
def decide():
    body = request.get_json()
    return jsonify(pack=body["pack"], version="1", decision_id="0" * 36, decisions={"refund_request_allowed": True},
                   undetermined={})


@app.post("/v1/decide/batch")
def batch():
    body = request.get_json()
    return jsonify(pack=body["pack"], version="1", results=[{"index": i} for i in range(len(body["cases"]))],
                   decided=len(body["cases"]), failed=0)
