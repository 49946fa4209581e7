"""One settings object, read from ``SANDAN_*`` environment variables.

A wrong value must stop the process at start-up with a message that names the variable, so
``load_settings`` turns pydantic's error into :class:`SettingsError` with one line per variable.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import platformdirs
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SANDAN_"
# Settings whose value is a credential: an error names the variable but never repeats the value.
SECRET_FIELDS = frozenset({"metrics_token"})


class SettingsError(RuntimeError):
    """Raised when an environment variable holds a value the service cannot use."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL DSN. Unset: an embedded PostgreSQL under data_dir is started on demand.",
    )
    data_dir: Path = Field(
        default_factory=lambda: platformdirs.user_data_path("sandan"),
        description="Where the embedded database keeps its files.",
    )
    redis_url: str | None = Field(default=None, description="Redis for the cache; unset: in-memory.")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: str = "INFO"
    db_pool_min: int = Field(default=1, ge=0, le=100)
    db_pool_max: int = Field(default=10, ge=1, le=200)
    unit_active_cap: int = Field(
        default=5, ge=1, le=1000, description="Default cap on a unit's live claims and projects."
    )
    claim_ttl_hours: float = Field(default=48, gt=0, le=24 * 90)
    offer_ttl_hours: float = Field(default=48, gt=0, le=24 * 90)
    closing_days: int = Field(
        default=7, ge=1, le=90, description="Days a resident has to close and rate before 未评价."
    )
    public_url: str | None = Field(
        default=None,
        description="The address people open the service at (https://sandan.example.org/); every link in a "
        "message starts with it. Unset: the address the service listens on, http://HOST:PORT/.",
    )
    # /metrics: neither port nor token set means only clients on this machine get it
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="Serve /metrics on this port alone (at metrics_host), and not on the service's port.",
    )
    metrics_host: str | None = Field(
        default=None, description="Address of the metrics port (default 127.0.0.1); needs metrics_port."
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token that /metrics asks for (on whichever port serves it)."
    )

    @field_validator("metrics_port", "metrics_host", "metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("metrics_port")
    @classmethod
    def _own_port(cls, v: int | None, info: ValidationInfo) -> int | None:
        if v is not None and v == info.data.get("port"):
            raise ValueError(f"must differ from {ENV_PREFIX}PORT")
        return v

    @field_validator("metrics_host")
    @classmethod
    def _metrics_host(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return None
        if info.data.get("metrics_port") is None:
            raise ValueError(f"is set but {ENV_PREFIX}METRICS_PORT is not (the host is where that port listens)")
        if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", v.strip()):
            raise ValueError("must be an IP address or a host name")
        return v.strip()

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None:
            return None
        token = v.get_secret_value()
        if not (16 <= len(token) <= 256 and token.isascii() and token.isprintable() and " " not in token):
            raise ValueError("must be 16 to 256 visible ASCII characters without spaces")
        return v

    @field_validator("database_url")
    @classmethod
    def _dsn_scheme(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not v.startswith(("postgres://", "postgresql://")):
            raise ValueError("must start with postgresql:// (or postgres://)")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return v

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        """An http(s) address with a host and nothing after the path; the path ends with ``/``."""
        if v is None or not v.strip():
            return None
        v = v.strip()
        parts = urlsplit(v)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in v):
            raise ValueError("must be an http:// or https:// address with a host, e.g. https://sandan.example.org")
        if "?" in v or "#" in v:
            raise ValueError("must not have a query (?) or a fragment (#): links are appended to it")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not carry a user name or password")
        try:
            parts.port  # noqa: B018  (reading it checks it)
        except ValueError:
            raise ValueError("has an invalid port") from None
        return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/") + "/", "", ""))

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        level = v.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


    @property
    def base_url(self) -> str:
        """Where links in messages start: ``public_url``, else the address the service listens on."""
        if self.public_url:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def link(self, path: str) -> str:
        """An absolute address for one of our paths: a phone opens it from a text message."""
        return self.base_url + path.lstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise :class:`SettingsError` naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            got = "value not shown" if field in SECRET_FIELDS else f"got {err.get('input')!r}"
            lines.append(f"{ENV_PREFIX}{field.upper()}: {err['msg']} ({got})")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
