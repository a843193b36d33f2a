"""A subset of JQL: grammar, parser and evaluator."""
