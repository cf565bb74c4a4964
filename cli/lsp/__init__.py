"""`ruleproof lsp`: the language server (server.py), on an index of the pack's names
(index.py) and answers in LSP types (features.py)."""
