"""CQL (Confluence Query Language) subset: grammar, parser, evaluator."""
