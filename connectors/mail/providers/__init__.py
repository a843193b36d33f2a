"""Mail providers: Gmail and Outlook behind one interface."""
