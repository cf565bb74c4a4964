"""ruleproof's HTTP service."""
