"""Who may use Studio and which changes are genuine.

Studio listens on loopback unless told otherwise; on any other address a token from the environment is
required (sent once as ``?token=``, then kept in an HttpOnly cookie, or as ``Authorization: Bearer``).
Every change is a form post carrying a CSRF token that must equal the one in the visitor's cookie
(double submit): another site can make a browser post, but cannot read the cookie to copy it. The token
is signed with the server's secret, so a pair made up elsewhere is refused too.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
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


def check_start(host: str, token: str | None, hosts: frozenset[str] | None = None) -> None:
    """Refuses to serve beyond loopback without a token, or with one too short to resist guessing, and
    on every address at once without the names people will use (``hosts``)."""
    if is_loopback(host):
        return
    if not token or not token.strip():
        raise StartRefused(
            f"Studio on {host} (not loopback) needs NEX_STUDIO_TOKEN in the environment; "
            "set a long random value and share it with the people who may use Studio"
        )
    if len(token.strip()) < 16 or len(set(token)) < 8:
        raise StartRefused("NEX_STUDIO_TOKEN must be at least 16 characters, not a repeated few")
    if host.strip("[]") in WILDCARDS and hosts is not None and not hosts - LOOPBACK_NAMES:
        raise StartRefused(
            f"Studio on {host or 'every address'} serves only the host names it is given: set "
            "NEX_STUDIO_HOSTS (comma-separated) or NEX_STUDIO_URL to the name people open it by"
        )


def served_hosts(bind: str | None, configured: str | None, url: str | None) -> frozenset[str]:
    """The host names Studio answers to: loopback's, the address it listens on, NEX_STUDIO_HOSTS and
    NEX_STUDIO_URL's. A request naming any other host is refused, so a page of a name an attacker
    points at this machine (DNS rebinding) never reaches Studio."""
    names = set(LOOPBACK_NAMES)
    if bind and bind.strip("[]") not in WILDCARDS:
        names.add(bind.strip("[]").lower())
    names |= {n.strip().lower() for n in (configured or "").split(",") if n.strip()}
    if url:
        found = urlsplit(url).hostname
        if found:
            names.add(found.lower())
    return frozenset(names)


def host_name(header: str | None) -> str | None:
    """The name of a Host header, lowercased, without its port; None when it is missing or malformed."""
    value = (header or "").strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name, rest = (value[1:end], value[end + 1 :]) if end > 0 else ("", "")
    else:
        name, sep, port = value.partition(":")
        rest = f":{port}" if sep else ""
    if not name or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
        return None
    return name


def host_allowed(header: str | None, hosts: frozenset[str]) -> bool:
    name = host_name(header)
    if name is None:
        return False
    if name in hosts:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def new_csrf(secret: bytes) -> str:
    """A random value signed with the server's secret: a pair someone else made up (a cookie planted from
    a neighbouring host and the same value in a form) is not one Studio issued."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_signature(secret, nonce)}"


def csrf_issued(token: str | None, secret: bytes) -> bool:
    nonce, dot, signature = (token or "").rpartition(".")
    return bool(nonce and dot) and hmac.compare_digest(signature, _signature(secret, nonce))


def csrf_ok(sent: str | None, cookie: str | None, secret: bytes) -> bool:
    """The token sent with a change equals the visitor's cookie, and Studio issued it."""
    return same(sent, cookie) and csrf_issued(cookie, secret)


def _signature(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode(), "sha256").hexdigest()[:32]


def origin_ok(origin: str | None, host_header: str | None) -> bool:
    """A change from a page of another origin is refused even before the token is compared; browsers
    send Origin on every POST, scripts without one rely on the token alone."""
    if not origin:
        return True
    if origin == "null" or not host_header:
        return False
    return origin.split("://", 1)[-1].rstrip("/") == host_header
