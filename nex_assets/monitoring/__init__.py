"""Drift monitoring against the platform's PostgreSQL and report folder."""
