"""Clients for Contentstack's Personalize and CMS Management APIs (no MCP types here)."""
