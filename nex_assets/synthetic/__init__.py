"""Synthetic data against the warehouse and MLflow: reading real tables, writing synthetic ones."""
