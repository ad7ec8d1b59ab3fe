"""Audience rules (an audience `definition`, a variant's inline `target`) and their readers.

May import: the standard library and pydantic only: never `mcp`, never the Contentstack clients.
"""
