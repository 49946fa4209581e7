"""Pages residents use without an account (``public=True``; templates in ``templates/resident/``):

* ``need``: 我要点单, the need form (rate limited per address, with a hidden field for robots);
* ``closing``: 结单, the page the link in the text message opens, to close and rate a project.

The next page a resident fills in goes here.
"""
