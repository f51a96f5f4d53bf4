"""Who may use Studio and which changes are genuine.

Studio listens on loopback unless told otherwise; on any other address a token from the environment is
required (sent once as ``?token=``, then kept in an HttpOnly cookie, or as ``Authorization: Bearer``).
Every change is a form post carrying a CSRF token that must equal the one in the visitor's cookie
(double submit): another site can make a browser post, but cannot read the cookie to copy it.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

TOKEN_COOKIE = "nex_studio_token"
CSRF_COOKIE = "nex_csrf"
CSRF_FIELD = "csrf"


class StartRefused(ValueError):
    pass


def is_loopback(host: str) -> bool:
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_start(host: str, token: str | None) -> None:
    """Refuses to serve beyond loopback without a token, or with one too short to resist guessing."""
    if is_loopback(host):
        return
    if not token:
        raise StartRefused(
            f"Studio on {host} (not loopback) needs NEX_STUDIO_TOKEN in the environment; "
            "set a long random value and share it with the people who may use Studio"
        )
    if len(token) < 16:
        raise StartRefused("NEX_STUDIO_TOKEN must be at least 16 characters")


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def origin_ok(origin: str | None, host_header: str | None) -> bool:
    """A change from a page of another origin is refused even before the token is compared; browsers
    send Origin on every POST, scripts without one rely on the token alone."""
    if not origin:
        return True
    if origin == "null" or not host_header:
        return False
    return origin.split("://", 1)[-1].rstrip("/") == host_header
