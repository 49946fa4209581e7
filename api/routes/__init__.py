"""Every ``/api/v1`` endpoint, by area. Importing this package registers them."""

from . import auth, directory, needs, projects, public  # noqa: F401
