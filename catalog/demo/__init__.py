"""The demo county (汾河县, fictional): ``build`` loads it through the service functions."""
