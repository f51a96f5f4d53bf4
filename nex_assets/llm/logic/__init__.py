"""Pure decisions of the LLM domain, free of drivers and processes (tested directly)."""
