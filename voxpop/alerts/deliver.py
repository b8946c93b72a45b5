"""Deliveries: how an alert leaves voxpop.

- log: one line on stderr (the `voxpop.alerts` logger) — always available;
- webhook: the alert as a JSON POST (httpx), signed with HMAC-SHA256 of the exact body in the
  `X-Voxpop-Signature: sha256=<hex>` header when a secret is configured; connection errors,
  429 and 5xx answers are retried with exponential back-off, other 4xx are not (the request
  itself is wrong, retrying cannot help);
- email: a plain-text message through SMTP (smtplib), optionally with STARTTLS and a login.

A failed delivery never raises: it is reported in the result (and stored with the alert), so
one broken endpoint cannot stop the others or the watch loop.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import smtplib
import time
from collections.abc import Sequence
from email.message import EmailMessage

import httpx
import msgspec

from voxpop.alerts.evaluate import Alert
from voxpop.alerts.rules import Delivery

__all__ = ["DeliveryResult", "deliver", "sign"]

log = logging.getLogger("voxpop.alerts")
SIGNATURE_HEADER = "X-Voxpop-Signature"
_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class DeliveryResult(msgspec.Struct, kw_only=True):
    delivery: str
    ok: bool
    attempts: int = 1
    error: str | None = None


def sign(body: bytes, secret: bytes) -> str:
    """The signature header value: "sha256=" and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _webhook(alert: Alert, target: Delivery, client: httpx.Client | None) -> DeliveryResult:
    body = msgspec.json.encode(alert)
    headers = {"Content-Type": "application/json", "User-Agent": "voxpop-alerts"}
    if target.secret_env:
        secret = os.environ.get(target.secret_env)
        if not secret:
            return DeliveryResult(
                delivery=target.name,
                ok=False,
                attempts=0,
                error=f"set {target.secret_env} to the webhook's signing secret",
            )
        headers[SIGNATURE_HEADER] = sign(body, secret.encode())
    assert target.url is not None
    own = client is None
    http = client or httpx.Client(timeout=target.timeout)
    error = ""
    attempts = 0
    try:
        for attempt in range(target.retries + 1):
            attempts = attempt + 1
            try:
                response = http.post(target.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return DeliveryResult(delivery=target.name, ok=True, attempts=attempts)
                error = f"HTTP {response.status_code}"
                if response.status_code not in _RETRYABLE:
                    break
            if attempt < target.retries:
                time.sleep(target.backoff * 2**attempt)
    finally:
        if own:
            http.close()
    return DeliveryResult(delivery=target.name, ok=False, attempts=attempts, error=error)


def _email(alert: Alert, target: Delivery) -> DeliveryResult:
    message = EmailMessage()
    message["Subject"] = f"[voxpop {alert.severity}] {alert.rule}: {alert.message}"
    message["From"] = target.sender or ""
    message["To"] = ", ".join(target.to)
    message.set_content(
        f"{alert.message}\n\nrule: {alert.rule}\ncondition: {alert.condition}\n"
        f"severity: {alert.severity}\nfired at: {alert.fired_at.isoformat()}\n"
        f"window: {alert.window_start} .. {alert.window_end}\n\n"
        + msgspec.json.format(msgspec.json.encode(alert.details)).decode()
    )
    try:
        with smtplib.SMTP(target.smtp_host, target.smtp_port, timeout=target.timeout) as smtp:
            if target.starttls:
                smtp.starttls()
            if target.username_env and target.password_env:
                smtp.login(
                    os.environ.get(target.username_env, ""),
                    os.environ.get(target.password_env, ""),
                )
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return DeliveryResult(delivery=target.name, ok=False, error=f"{type(exc).__name__}: {exc}")
    return DeliveryResult(delivery=target.name, ok=True)


def deliver(
    alert: Alert, targets: Sequence[Delivery], *, client: httpx.Client | None = None
) -> list[DeliveryResult]:
    """Send an alert to each target; returns what happened to each, never raises."""
    results: list[DeliveryResult] = []
    for target in targets:
        if target.type == "log":
            log.warning("[%s] %s: %s", alert.severity, alert.rule, alert.message)
            results.append(DeliveryResult(delivery=target.name, ok=True))
        elif target.type == "webhook":
            results.append(_webhook(alert, target, client))
        else:
            results.append(_email(alert, target))
    return results
