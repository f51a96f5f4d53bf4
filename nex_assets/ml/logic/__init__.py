"""Pure modelling logic of the ML recipes: recipe and pack models, features, algorithms, metrics.

Nothing here touches Dagster, MLflow or the database, so every piece is unit-tested directly.
"""
