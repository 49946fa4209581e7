"""成员单位's pages (``/unit/…``, ``roles=(Role.UNIT,)``; templates in ``templates/unit/``), one
module per task:

* ``projects``: 可认领项目 (with the engine's suggestions) and 本单位项目, claiming, progress,
  completion, giving work back;
* ``offers``: 派单建议, offers and proposals (with the batch job's explanation) and 协办 requests
  to accept or decline, the unit's own claims waiting for the secretary;
* ``resources``: 资源清单, listing, editing, taking down and putting back up;
* ``credit``: 信用, the score, grade and ledger.

The next unit page goes into the module of its task, or a new module here for a new task; every
module in this package is imported at start-up, so nothing else needs editing.
"""
