"""The demo county (汾河县, fictional): ``build`` loads it through the service functions.

Its data are the TOML files here (county, names, units, resources, needs, stories), read by
``data``; the builder that draws from them is ``county`` → ``residents`` → ``stories`` → ``plans``.
"""
