"""HTTP, pages and the command line, on top of ``catalog.scoped``.

``routing`` declares the JSON endpoints (``Endpoint``) that build both the router and the OpenAPI
document (``openapi``); ``routes/`` holds them by area — a new endpoint goes there. ``web/`` holds
the pages, one package per role (a new page goes into its role's package; what every page shares
is in ``web/kit``). ``context`` is the request base both share; ``app`` assembles the service,
``server`` runs its workers, ``cli`` is the ``sandan`` command; ``errors``, ``headers``,
``logsafe`` and ``observe`` are the cross-cutting middleware, logging and metrics.
"""
