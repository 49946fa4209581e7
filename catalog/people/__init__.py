"""People and access: accounts, login and tokens (``accounts``); who may read and change what,
and how much personal data they see (``access``). The API reaches both through ``catalog.scoped``.
"""
