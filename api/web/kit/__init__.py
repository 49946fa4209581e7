"""What every page shares, and no page of its own: declaring a page (``pages``), the view a
handler gets (``view``), forms checked by the API's models with Chinese errors (``forms``), the
session, CSRF and flash cookies (``cookies``), rendering and error pages (``render``), the handler
and middleware around each page (``serving``), names for codes read through the cache
(``names``) and a score's terms shown so they add up (``terms``).

A page module needs little more than ``from ..kit import Form, View, names, page``. Something
several roles' pages share goes here; something one role's pages share goes into that role's
package (e.g. ``secretary/common.py``).
"""

from __future__ import annotations

from .forms import Form, parse_form
from .pages import page
from .view import View, local_path

__all__ = ["Form", "View", "local_path", "page", "parse_form"]
