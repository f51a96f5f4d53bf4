-- Runs once, when the postgres service starts on an empty data volume, connected to the
-- warehouse database (POSTGRES_DB, `nex`). NEX's own bootstrap repeats these steps
-- idempotently, so this only makes a fresh server complete before anything connects.

-- pgvector in the warehouse database.
CREATE EXTENSION IF NOT EXISTS vector;

-- Dagster's run, event-log and schedule storage, and MLflow's backend store, on the same server.
SELECT 'CREATE DATABASE dagster'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'dagster')\gexec

SELECT 'CREATE DATABASE mlflow'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mlflow')\gexec
