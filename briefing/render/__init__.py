"""Render: a Briefing -> email bodies, web archive pages and RSS/Atom feeds."""
