"""社区书记's pages (``/secretary/…``, ``roles=(Role.SECRETARY,)``; templates in
``templates/secretary/``), one module per task:

* ``needs``: 需求审核, the needs inbox and a need's page;
* ``projects``: 项目清单 and a project's page, 发布, confirming or refusing a claim;
* ``project_forms``: 合并立项, 编辑项目, 撤单, 定向派单 and 改派, 撤回派单;
* ``team``: the project's 协办 units, asking one more to help and taking a request back;
* ``board``: 项目看板, the live projects by stage coloured by their time limit;
* ``proposals``: 派单建议, the batch job's proposals with why, to confirm;
* ``closing``: 结单回访, projects waiting for the resident and those to follow up;
* ``figures``: 社区数据, the map and charts and the tables below them;
* ``common``: what these share (whole-list reads, unit names, time-limit colours).

The next secretary page goes into the module of its task, or a new module here for a new task;
every module in this package is imported at start-up, so nothing else needs editing.
"""
