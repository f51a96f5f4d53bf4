"""Insights of a dataset: facts computed in PostgreSQL, phrased by the LLM or by rules."""
