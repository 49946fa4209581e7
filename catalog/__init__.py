"""The catalog: needs, resources and projects, their lifecycles, who may do what, and their storage
in PostgreSQL. The API comes in through ``scoped``; the engine (``matching``) is called from
``batch``.

Rooms, and where the next thing goes:

``scoped/``     the one door for the API: every read and command as one principal sees it,
                checking who may, then calling the room that does the work. A new endpoint or page
                action starts here.
``lists/``      需求清单, 资源清单, 项目清单 and their lifecycles (``needs``, ``resources``,
                ``projects``, ``work``, ``closing``, ``team``), the offer rule (``offers``), the
                directory (areas, categories, units) and the desk edits. A new lifecycle step
                starts in ``enums``' transition table, then a function here.
``people/``     accounts, login and tokens; access rules and how much personal data each sees.
``oversight/``  time limits and the sweep, 督办, unit credit, and the figures for overviews and
                charts.
``batch/``      the batch job (sweep, snapshot, solve, write, run records) and the per-unit
                suggestions; the only room that calls the engine.
``storage/``    the pool, the embedded server, settings, migrations and named SQL, transactions,
                paging, the cache. A new query goes into ``storage/sql/queries/*.sql``.
``models/``     the pydantic schemas at the catalog's boundary, split like the rooms.
``demo/``       the demo county: its data in TOML files, its builder beside them.
``cli/``        ``sandan`` commands that need the database but no HTTP.

Beside them: ``enums`` (closed vocabularies and transition tables), ``errors`` (domain errors with
reason codes), ``shapes`` (input shapes whose JSON Schema says what they accept) and
``local_time`` (Beijing time, defined once).
"""
