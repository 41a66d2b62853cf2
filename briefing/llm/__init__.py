"""The optional model writer: stories told by a language model, each bullet citing and checked against its sources.

``client`` (OpenAI-compatible chat completions over httpx), ``prompt`` (what is
sent), ``check`` (what an answer must pass), ``writer`` (story in, story out,
with the extractive story as the fallback per bullet and per story).
"""
