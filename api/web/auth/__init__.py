"""Signing in and out, and the account page, for every staff role (templates in
``templates/auth/``): ``login`` has /login, /logout and /account."""
