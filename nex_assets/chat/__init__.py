"""Chat with your data: read-only explorer tools shared by `nex query`, `nex ask` and `nex mcp`."""
