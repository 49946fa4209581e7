"""Every ``/api/v1`` endpoint, by area. Importing this package registers them.

The OpenAPI document lists the endpoints in the order they register: the areas in this order.
"""

from . import auth, batch_runs, desk, directory, needs, projects, public, supervision, team  # noqa: F401
