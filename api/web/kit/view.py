"""The view a page handler gets: the request context shared with the API, the page, the posted
form, and the steps every page takes (validate, flash, redirect, render)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel

from catalog.errors import DomainError
from catalog.models import ReasonIn

from ...context import RequestContext
from .cookies import FLASH_OUT
from .forms import Form, parse_form
from .pages import PageRoute
from .render import render


@dataclass(kw_only=True)
class View(RequestContext):
    """One page request: the shared context (who asks, already resolved), the page, and the
    posted form (CSRF already checked)."""

    route: PageRoute
    form_data: MultiDictProxy | None = None

    def query(self, model: type[BaseModel], **fixed: Any) -> Any:
        """The query string as ``model`` (filters, paging); unknown or empty parameters are dropped."""
        data = {k: v for k, v in self.request.query.items() if k in model.model_fields and v.strip()}
        data.update(fixed)
        return model.model_validate(data)

    def validate(self, model: type[BaseModel], **kw: Any) -> tuple[Any, Form]:
        """The posted form as ``model``; see :func:`parse_form`."""
        return parse_form(model, self.form_data if self.form_data is not None else {}, **kw)

    async def reason_step(self, step: Callable[[ReasonIn], Awaitable[Any]], *, blank: str) -> tuple[Any, Form]:
        """A step that needs a reason (拒绝, 退单 …): the posted :class:`ReasonIn` and, if valid,
        ``step(reason)``. Returns the step's result (None if not taken) and the form to show
        again. A refused step is flashed (its form may be gone from the page: the work moved
        on); 其他原因 without a note is said at the note."""
        data, form = self.validate(ReasonIn, messages={"reason": blank})
        if data is not None:
            try:
                return await step(data), form
            except DomainError as exc:
                self.flash(exc.message, "error")
        elif form.general and "note" not in form.errors:
            form.errors["note"] = form.general.pop()
        return None, form

    def flash(self, message: str, kind: str = "ok") -> None:
        """A message for the next page shown (``ok``, ``error`` or ``info``)."""
        self.request[FLASH_OUT].append([kind, message])

    def redirect(self, location: str, message: str | None = None, kind: str = "ok") -> web.Response:
        """303 to a page of ours (POST/redirect/GET), with an optional flash message."""
        if message:
            self.flash(message, kind)
        return web.Response(status=303, headers={"Location": local_path(location)})

    def back(self, fallback: str, message: str | None = None, kind: str = "ok") -> web.Response:
        """303 to the page the form was on (same site only), else ``fallback``."""
        referer = self.request.headers.get("Referer", "")
        parts = urlsplit(referer)
        target = fallback
        if referer and parts.netloc == self.request.host and parts.path.startswith("/"):
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.redirect(target, message, kind)

    def render(self, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> web.Response:
        return render(self.request, template, context or {}, status=status)


def local_path(location: str) -> str:
    """Only paths on this site: ``//evil.example`` and ``https://…`` become ``/``."""
    if not location.startswith("/") or location.startswith("//") or "\\" in location:
        return "/"
    return location
