"""Who may do what through `voxpop serve`, and the protections every response carries.

- **Tokens**: `voxpop tokens create NAME --role viewer|admin` prints a random token once; only
  its SHA-256 is stored (`api_tokens`). A token is 256 random bits, so a plain hash suffices:
  there is nothing to brute-force that a salt or slow hash would protect.
- **Roles**: `viewer` reads everything and acknowledges alerts; `admin` also purges posts,
  changes alert rules, runs collectors, manages tokens and reads the audit log.
- **Clients**: API clients send `Authorization: Bearer TOKEN`. Browsers POST the token to
  `/login` and get an HttpOnly, SameSite=Strict session cookie. Without any token configured,
  a server bound to loopback serves loopback clients as the local admin (it is their file);
  a server bound elsewhere refuses to start.
- **CSRF**: unsafe methods authenticated by cookie (or loopback) must repeat the `voxpop_csrf`
  cookie in an `X-CSRF-Token` header (double submit); bearer requests carry no ambient
  credential and are exempt.
- **Headers**: a strict Content-Security-Policy and friends on every response; request bodies
  over a limit are refused with 413 before they are read.
- **Audit**: admin actions are recorded in `audit_log` with who, what, on what, and from where.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any, Literal

import msgspec
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "ROLES",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "AuditEntry",
    "Authenticate",
    "BodyLimit",
    "Gate",
    "Principal",
    "Role",
    "SecurityHeaders",
    "Sessions",
    "TokenInfo",
    "active_tokens",
    "audit_entries",
    "create_token",
    "hash_token",
    "is_loopback",
    "list_tokens",
    "record_audit",
    "revoke_token",
]

Role = Literal["viewer", "admin"]
ROLES: tuple[str, ...] = ("viewer", "admin")
SESSION_COOKIE = "voxpop_session"
CSRF_COOKIE = "voxpop_csrf"
CSRF_HEADER = "x-csrf-token"
_TOKEN_PREFIX = "vxp_"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class Principal(msgspec.Struct, frozen=True):
    """Who a request acts as: a token's name and role, and how it proved it."""

    name: str
    role: Role
    via: Literal["bearer", "session", "local"]

    @property
    def admin(self) -> bool:
        return self.role == "admin"


class TokenInfo(msgspec.Struct, kw_only=True):
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, role: str) -> str:
    """A new token for `name` with `role`; the token itself is returned once, never stored."""
    if role not in ROLES:
        raise ConfigError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if not name.strip():
        raise ConfigError("a token needs a name (who or what uses it)")
    taken = store.con.execute(
        "SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [name]
    ).fetchall()
    if taken:
        raise ConfigError(f"a token named {name!r} exists; revoke it first or pick another name")
    # A revoked token's name may be reused; its row gives way to the new one.
    store.con.execute("DELETE FROM api_tokens WHERE name = ?", [name])
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.con.execute(
        "INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
        [name, role, hash_token(token), datetime.now(UTC)],
    )
    return token


def revoke_token(store: Store, name: str) -> bool:
    """Revoke a token (kept, marked, for the record); False when no active token has `name`."""
    rows = store.con.execute(
        """UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL
        RETURNING name""",
        [datetime.now(UTC), name],
    ).fetchall()
    return bool(rows)


def list_tokens(store: Store) -> list[TokenInfo]:
    rows = store.con.execute(
        "SELECT name, role, created_at, revoked_at FROM api_tokens ORDER BY name"
    ).fetchall()
    return [TokenInfo(name=n, role=r, created_at=c, revoked_at=v) for n, r, c, v in rows]


def active_tokens(store: Store) -> dict[str, Principal]:
    """Token hash -> who it authenticates, for the tokens not revoked."""
    rows = store.con.execute(
        "SELECT token_hash, name, role FROM api_tokens WHERE revoked_at IS NULL"
    ).fetchall()
    return {h: Principal(name=n, role=r, via="bearer") for h, n, r in rows}


class Sessions:
    """Browser sessions, in memory: a restart logs everyone out, which is the safe direction.

    Only hashes of session ids are kept, like tokens."""

    def __init__(self, lifetime: float = 12 * 3600) -> None:
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[Principal, float]] = {}

    def create(self, principal: Principal) -> str:
        session = secrets.token_urlsafe(32)
        expires = time.monotonic() + self.lifetime
        with self._lock:
            self._sessions[hash_token(session)] = (
                msgspec.structs.replace(principal, via="session"),
                expires,
            )
        return session

    def get(self, session: str) -> Principal | None:
        key = hash_token(session)
        with self._lock:
            found = self._sessions.get(key)
            if found is None:
                return None
            if found[1] < time.monotonic():
                del self._sessions[key]
                return None
            return found[0]

    def drop(self, session: str) -> None:
        with self._lock:
            self._sessions.pop(hash_token(session), None)

    def drop_name(self, name: str) -> None:
        """End the sessions opened with a token that was just revoked."""
        with self._lock:
            for key in [k for k, (p, _) in self._sessions.items() if p.name == name]:
                del self._sessions[key]


def tokens_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def is_loopback(host: str | None) -> bool:
    """An address or name that only this machine can reach."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


# -- audit --------------------------------------------------------------------------------


class AuditEntry(msgspec.Struct, kw_only=True):
    audit_id: int
    logged_at: datetime
    actor: str
    role: str
    action: str
    target: str | None
    details: dict[str, Any]
    client: str | None


def record_audit(
    store: Store,
    principal: Principal,
    action: str,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    store.con.execute(
        """INSERT INTO audit_log (logged_at, actor, role, action, target, details, client)
        VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [
            datetime.now(UTC),
            principal.name,
            principal.role,
            action,
            target,
            msgspec.json.encode(details or {}).decode(),
            client,
        ],
    )


def audit_entries(store: Store, *, before: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Audit entries, newest first; `before` an audit id for the next page."""
    rows = store.con.execute(
        """SELECT audit_id, logged_at, actor, role, action, target, details, client
        FROM audit_log WHERE audit_id < coalesce(?, 9223372036854775807)
        ORDER BY audit_id DESC LIMIT ?""",
        [before, limit],
    ).fetchall()
    return [
        AuditEntry(
            audit_id=r[0],
            logged_at=r[1],
            actor=r[2],
            role=r[3],
            action=r[4],
            target=r[5],
            details=msgspec.json.decode(r[6]) if r[6] else {},
            client=r[7],
        )
        for r in rows
    ]


# -- ASGI middleware ----------------------------------------------------------------------


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response (API, pages, static files, intake);
    API responses are also marked `no-store`: they may hold what only a token holder may see."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if api:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies over `max_bytes` (413): by Content-Length before reading, and by
    counting as it streams for chunked bodies. `limits` raises the cap under path prefixes
    (the intake endpoint takes whole files)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, limits: Iterable[tuple[str, int]] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = tuple(limits)

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            response = JSONResponse({"detail": f"request body over {limit} bytes"}, 413)
            await response(scope, receive, send)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting, send)
        except _TooLarge:
            response = JSONResponse({"detail": f"request body over {limit} bytes"}, 413)
            await response(scope, receive, send)


class _TooLarge(Exception):
    pass


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Gate:
    """Decides who a request is. `local`: no token is configured and the server listens on
    loopback only, so loopback clients are the machine's own user (as the local admin)."""

    def __init__(self, tokens: dict[str, Principal], *, local: bool, public: Iterable[str]) -> None:
        self.tokens = tokens
        self.local = local
        self.public = frozenset(public)
        self.sessions = Sessions()

    def principal(self, conn: HTTPConnection) -> Principal | Literal[False] | None:
        """Who the request is; None when it carries no credential, False for a wrong one."""
        authorization = conn.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                return False
            return self.tokens.get(hash_token(token.strip())) or False
        session = conn.cookies.get(SESSION_COOKIE)
        if session:
            found = self.sessions.get(session)
            if found is not None:
                return found
        client = conn.client.host if conn.client else None
        # The Host check stops DNS rebinding: a page on evil.example resolved to 127.0.0.1.
        if self.local and is_loopback(client) and is_loopback(conn.url.hostname):
            return Principal(name="local", role="admin", via="local")
        return None


class Authenticate:
    """Every request but `Gate.public` paths needs a principal; unsafe methods without a bearer
    token need the CSRF double submit. Sets `request.state.principal`, and the `voxpop_csrf`
    cookie for browsers that lack one."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        path: str = scope["path"]
        principal = self.gate.principal(conn)
        refusal: Response | None = None
        if principal is False:
            refusal = _unauthorised("the bearer token is not valid; ask an admin for one")
        elif principal is None and path not in self.gate.public:
            if path.startswith("/api/"):
                refusal = _unauthorised(
                    "authentication required: send Authorization: Bearer TOKEN, or log in at /login"
                )
            else:
                refusal = RedirectResponse("/login", status_code=303)
        elif (
            principal is not None
            and principal.via != "bearer"
            and scope["method"] not in _SAFE_METHODS
            and path not in self.gate.public  # /login and /logout check their form's field
        ):
            given = conn.headers.get(CSRF_HEADER, "")
            expected = conn.cookies.get(CSRF_COOKIE, "")
            if not (given and expected and tokens_equal(given, expected)):
                refusal = JSONResponse(
                    {
                        "detail": "CSRF check failed: send the voxpop_csrf cookie's value in "
                        "an X-CSRF-Token header"
                    },
                    status_code=403,
                )
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        bearer = isinstance(principal, Principal) and principal.via == "bearer"
        needs_csrf = CSRF_COOKIE not in conn.cookies and not bearer
        if not needs_csrf:
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if CSRF_COOKIE not in headers.get("set-cookie", ""):
                    headers.append("set-cookie", csrf_cookie(secrets.token_urlsafe(32), secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def csrf_cookie(value: str, secure: bool) -> str:
    """Readable by the page's script (it must copy it into X-CSRF-Token), never sent cross-site."""
    return f"{CSRF_COOKIE}={value}; Path=/; SameSite=Strict" + ("; Secure" if secure else "")


def session_cookie(value: str, secure: bool, max_age: int) -> str:
    return f"{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}" + (
        "; Secure" if secure else ""
    )


def _unauthorised(message: str) -> JSONResponse:
    return JSONResponse(
        {"detail": message}, status_code=401, headers={"www-authenticate": "Bearer"}
    )
