"""街道/联盟管理员's pages (``/admin/…``, ``roles=(Role.STREET_ADMIN,)``: a street's administrator
sees their street, the alliance's the county; templates in ``templates/admin/`` and
``templates/charts/``):

* ``units``: 成员单位 (list, add, edit, suspend, reinstate), 资源审核, 服务分类;
* ``oversight``: 时限设置, 督办预警, 派单记录 (the batch runs);
* ``figures``: 数据图表, the map and charts of a street, a community or the county.

The next administrator page goes into the module of its task, or a new module here; every module
in this package is imported at start-up, so nothing else needs editing.
"""
