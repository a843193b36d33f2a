"""Jira connector: Jira Cloud REST v3 + Agile 1.0 through atlassian-python-api."""
