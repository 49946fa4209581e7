"""The three lists and their lifecycles: 需求清单 (``needs``), 资源清单 (``resources``) and
项目清单 (``projects``, with ``team`` for the 协办 units beside a project's lead), the directory they
refer to (``directory``: areas, categories, member units) and the desk edits (``editing``).

A new step in a lifecycle starts in ``catalog.enums``' transition table, then a function here.
"""
