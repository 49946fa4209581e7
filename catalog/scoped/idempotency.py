"""The stored first answer to a creating request sent with an ``Idempotency-Key``, for any caller:
the API's routing names the key's owner (the caller's user name, or the address for the public
forms) and asks here before and after it runs the command (:mod:`catalog.storage.idempotency`)."""

from __future__ import annotations

from catalog.storage.idempotency import exclusive, remember, replay

__all__ = ["exclusive", "remember", "replay"]
