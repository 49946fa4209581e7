"""The three lists and their lifecycles: 需求清单 (``needs``), 资源清单 (``resources``) and
项目清单, the directory they refer to (``directory``: areas, categories, member units) and the desk
edits (``editing``).

The project list is several modules, one idea each:

* ``projects``: making a project from needs, publishing, reading, editing and cancelling it;
* ``work``: taking it (claims, offers and the batch job's proposals, their answers), the progress,
  giving it back, and the expiry of what went unanswered;
* ``offers``: the one rule of whether a unit may be offered a project, pure, for ``work`` and the
  batch job's set-based writer alike;
* ``closing``: the lead's completion, the resident's closing and rating, the sweep's 未评价;
* ``team``: the 协办 units beside a project's lead;
* ``steps``: the moves these share (guarded steps, a unit's take, helpers ending with their lead).

A new step in a lifecycle starts in ``catalog.enums``' transition table, then a function here.
"""
