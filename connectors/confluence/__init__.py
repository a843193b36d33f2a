"""Confluence Cloud connector: pages as markdown with lossless round-trips, CQL search, decisions, sync."""
