"""Microsoft 365 emulator: Entra ID (v2 endpoints) and Microsoft Graph v1.0 (drives; mail to follow), over HTTPS."""
