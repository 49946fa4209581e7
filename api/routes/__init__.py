"""Every ``/api/v1`` endpoint, by area. Importing this package registers them."""

from . import auth, batch_runs, desk, directory, helpers, needs, projects, public, supervision  # noqa: F401
