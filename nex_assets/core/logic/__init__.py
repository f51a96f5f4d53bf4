"""The platform's own pure logic: free of Dagster, drivers and MLflow, tested directly."""
