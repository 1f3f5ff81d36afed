"""The store: SQLAlchemy tables and Alembic migrations (jobs, documents, reports, tokens) and, in
PostgreSQL mode, the response cache and upstream rate limiter shared by every worker."""
