"""Renderings of a screening result: JSON (SPEC §5), a terminal checklist, an HTML report."""
