"""Pages for everyone, no login (``public=True``; templates in ``templates/public/`` and
``templates/charts/``). No personal data is ever shown here, and what is shown is cached with
the public board:

* ``board``: 首页 (the overview), 项目公示 and a project's public page, 单位排行;
* ``figures``: 数据公示, the map and charts in counts.

The next public page goes here. A page a resident uses to do something (点单, 结单) belongs in
``resident``.
"""
