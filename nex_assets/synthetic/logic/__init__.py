"""Synthetic data: pure logic (no Dagster, no database): column plans, fake values, fitting, scores."""
