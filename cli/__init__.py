"""ruleproof: policy-as-code with formal checking.

The installed package holds the command line (`ruleproof.main`) above the checker
(`ruleproof.checker`: front end, semantics, evaluator, Z3 checks) and the HTTP service
(`ruleproof.server`); the grammar ships as `ruleproof.grammar`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ruleproof")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
