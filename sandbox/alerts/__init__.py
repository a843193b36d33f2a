"""Where alerts land in tests and the demo: an SMTP server and Slack/Teams webhook endpoints that record what
they receive (``smtp.py``, ``webhooks.py``)."""
