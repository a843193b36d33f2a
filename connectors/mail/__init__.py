"""The mail connector: Gmail v1 (google-api-python-client) and Outlook (Microsoft Graph v1.0 over httpx)."""
