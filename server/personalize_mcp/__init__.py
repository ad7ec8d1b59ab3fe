"""contentstack-personalize-mcp: an MCP server for Contentstack Personalize."""

__version__ = "0.1.0"
