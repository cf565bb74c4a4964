"""ruleproof: policy-as-code with formal checking.

The installed package holds the command line (`ruleproof.main`) above the checker
(`ruleproof.checker`: front end, semantics, evaluator, Z3 checks) and the HTTP service
(`ruleproof.server`); the grammar ships as `ruleproof.grammar`.
"""


def __getattr__(name: str) -> str:
    """`ruleproof.__version__`: the installed distribution's version ("0+unknown" in a source
    tree that was never installed), read when first asked for (importlib.metadata costs more
    to import than most commands take to start)."""
    if name != "__version__":
        raise AttributeError(f"module 'ruleproof' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("ruleproof")
    except PackageNotFoundError:  # running from a source tree that was never installed
        value = "0+unknown"
    globals()["__version__"] = value
    return value
