"""The policy language grammar, shipped as package data (grammar/ruleproof.lark)."""
