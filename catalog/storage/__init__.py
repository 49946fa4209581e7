"""Storage: where the database comes from and how every command talks to it.

``db`` (the pool), ``embedded`` and ``dbwatch`` (the embedded server's life), ``runtime`` (opening
the database for a process), ``settings`` (``SANDAN_*``), ``migrate`` and ``sql/`` (migrations and
named queries), ``tx`` (one transaction, a guarded step, history), ``cache`` and ``idempotency``.
A new query goes into a ``sql/queries/*.sql`` file; a new table into a new numbered migration.
"""
