"""Needs, resources and projects: their lifecycles and their storage in PostgreSQL."""
