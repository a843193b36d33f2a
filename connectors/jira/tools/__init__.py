"""Jira tools, one module per concern; `connector.py` lists them all."""
