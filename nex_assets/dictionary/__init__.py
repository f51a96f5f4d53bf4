"""The data dictionary in PostgreSQL: entries, their versions, comments on tables and columns, export."""
