"""Google Workspace emulator: Drive v3, Google's OAuth 2.0 identity provider (and, later, Gmail v1)."""
