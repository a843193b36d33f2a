"""Graph's people workloads a mail client uses to find a recipient: Outlook contacts, relevant people, the directory."""
