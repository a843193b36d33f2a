"""Cloud storage: Google Drive v3 (google-api-python-client), OneDrive/SharePoint (Microsoft Graph v1.0, httpx)."""
