"""The store: the only state shared between processes (SQLite by default, PostgreSQL at scale).

Interfaces other packages use (all synchronous, one short transaction per call):

* :class:`auditor.store.engine.Database` ``(url)``: engine + ``read()``/``write()`` sessions;
  :func:`auditor.store.engine.database_url` picks ``--database`` > ``AUDITOR_DATABASE_URL`` >
  the default SQLite file in the platform data directory.
* :mod:`auditor.store.migrate`: ``upgrade(db)``, ``at_head(db)`` (Alembic, scripts in the package).
* :mod:`auditor.store.tokens`: ``create_token``, ``list_tokens``, ``revoke_token``, ``authenticate``.
* :mod:`auditor.store.jobs`: ``submit``/``get_job``/``list_jobs``/``cancel_or_delete``/``get_report``
  for the API; ``claim``/``heartbeat``/``complete``/``finish_unsuccessfully``/``release`` for
  workers (lease rules in that module's docstring); ``worker_heartbeat``/``fresh_workers``.
* :mod:`auditor.store.tables`: the tables, ``Base`` (with a constraint naming convention) for new
  migrations.
"""

from auditor.store.engine import Database, database_url

__all__ = ["Database", "database_url"]
