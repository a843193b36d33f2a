"""Outlook mail (Microsoft Graph v1.0): mailboxes, folders, messages, attachments, send, delta."""
