"""Data quality: GX suites, scores and Data Docs."""
