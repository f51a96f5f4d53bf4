"""Drift monitoring logic with no Dagster and no database in it: settings, sampling, Evidently."""
