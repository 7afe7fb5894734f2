"""The Host/Origin allow-list: a page on another site that makes a browser call this server (DNS rebinding: its
own name, resolved to this machine) is refused, because the Host it sends is its own name."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from service.errors import ApiError

_LOCAL = ("localhost", "127.0.0.1", "::1")
_WILDCARDS = ("0.0.0.0", "::", "")


def host_name(value: str) -> str:
    """`value` (a Host header or an Origin's netloc) without port or brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def allowed(name: str, setting: str | None, bind_host: str | None) -> bool:
    """Whether a request naming host `name` is answered: the names in `setting` (comma-separated, "*" for any),
    else localhost and the bind address; a server bound to every address also answers to its IP addresses."""
    if setting is not None and str(setting).strip():
        names = {host_name(n) for n in str(setting).split(",") if n.strip()}
        return "*" in names or name in names
    bind = host_name(bind_host or "127.0.0.1")
    if name in _LOCAL or name == bind:
        return True
    return bind in _WILDCARDS and _is_ip(name)


def register_host_check(app: Flask) -> None:
    """Refuse (400) a request whose Host, or Origin when sent, is not allowed."""

    @app.before_request
    def _check_host() -> None:
        config = current_app.config
        setting, bind = config.get("ALLOWED_HOSTS"), config.get("BIND_HOST")
        host = host_name(request.host or "")
        if not allowed(host, setting, bind):
            raise ApiError(400, f"this server does not answer to the host name {host!r}; use its address, or add "
                                "the name to POLICYTAG_ALLOWED_HOSTS")
        origin = request.headers.get("Origin")
        if origin and origin != "null":
            origin_host = host_name(urlsplit(origin).netloc)
            if not allowed(origin_host, setting, bind):
                raise ApiError(403, f"requests from pages on {origin!r} are not accepted; add its host name to "
                                    "POLICYTAG_ALLOWED_HOSTS to allow them")
