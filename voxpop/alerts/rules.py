"""Alert rules, read from TOML (stdlib tomllib). The format (docs/alerts.md):

    [[delivery]]
    name = "ops"
    type = "webhook"              # "log", "webhook" or "email"
    url = "https://example.org/hook"
    secret_env = "VOXPOP_WEBHOOK_SECRET"   # HMAC-SHA256 key, read from the environment

    [[rule]]
    name = "port strike volume"
    query = '"port strike" OR #PortStrike'   # the query language; "*" or absent: every post
    condition = "volume"          # volume | surge | narrative_surge | sentiment_shift
                                  # | language_share | new_cluster | new_narrative
    above = 500                   # volume: posts in the window
    window = "1h"
    severity = "warning"          # info | warning | critical
    cooldown = "30m"              # no second alert from this rule within this time
    deliver = ["ops"]             # names of [[delivery]] entries; default: log

Rules are checked when loaded: a bad query or a missing option is a ConfigError naming the rule.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import msgspec

from voxpop.analyze.query import QuerySyntaxError, parse
from voxpop.analyze.trends import parse_interval
from voxpop.errors import ConfigError

__all__ = ["CONDITIONS", "Condition", "Delivery", "Rule", "RuleSet", "load_rules", "parse_rules"]

Condition = Literal[
    "volume",
    "surge",
    "narrative_surge",
    "sentiment_shift",
    "language_share",
    "new_cluster",
    "new_narrative",
]
CONDITIONS: tuple[str, ...] = (
    "volume",
    "surge",
    "narrative_surge",
    "sentiment_shift",
    "language_share",
    "new_cluster",
    "new_narrative",
)
SEVERITIES = ("info", "warning", "critical")
# What each condition needs besides the common keys.
_REQUIRED = {
    "volume": ("above",),
    "surge": (),
    "narrative_surge": (),
    "sentiment_shift": ("delta",),
    "language_share": ("lang", "share"),
    "new_cluster": (),
    "new_narrative": (),
}


class Delivery(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    type: Literal["log", "webhook", "email"]
    url: str | None = None  # webhook
    secret_env: str | None = None  # webhook: environment variable holding the HMAC key
    retries: int = 3  # webhook: attempts after the first
    backoff: float = 0.5  # webhook: first pause in seconds, doubled each retry
    timeout: float = 5.0
    smtp_host: str = "localhost"  # email
    smtp_port: int = 25
    sender: str | None = None
    to: list[str] = []
    starttls: bool = False
    username_env: str | None = None
    password_env: str | None = None


class Rule(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    condition: Condition
    query: str | None = None  # None: every post
    severity: str = "warning"
    window: timedelta = timedelta(hours=1)
    cooldown: timedelta = timedelta(minutes=30)
    above: float | None = None  # volume
    delta: float | None = None  # sentiment_shift: change of mean score vs the previous window
    lang: str | None = None  # language_share
    share: float | None = None  # language_share: alert at or above this share (0..1)
    # surge and narrative_surge:
    interval: timedelta = timedelta(minutes=5)  # bucket width
    lookback: timedelta = timedelta(days=2)  # history the baseline learns from
    alpha: float = 1e-6  # tail probability that alarms
    min_count: int = 5  # posts needed in the test window
    deliver: list[str] = []


class RuleSet(msgspec.Struct, kw_only=True, frozen=True):
    rules: list[Rule]
    deliveries: dict[str, Delivery]


_DURATIONS = ("window", "cooldown", "interval", "lookback")


def _rule(raw: dict[str, Any], deliveries: dict[str, Delivery], n: int) -> Rule:
    name = str(raw.get("name") or f"rule-{n}")
    where = f"rule {name!r}"
    condition = raw.get("condition")
    if condition not in CONDITIONS:
        raise ConfigError(f"{where}: condition must be one of {', '.join(CONDITIONS)}")
    missing = [key for key in _REQUIRED[condition] if key not in raw]
    if missing:
        raise ConfigError(f"{where}: condition {condition} needs {', '.join(missing)}")
    if raw.get("severity", "warning") not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    query = raw.get("query")
    if query is not None and query.strip() not in ("", "*"):
        try:
            parse(query)
        except QuerySyntaxError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    else:
        raw["query"] = None
    for key in _DURATIONS:
        if key in raw:
            try:
                raw[key] = parse_interval(str(raw[key]), allow_zero=key == "cooldown")
            except ConfigError as exc:
                raise ConfigError(f"{where}: {key}: {exc}") from exc
    unknown = [d for d in raw.get("deliver", []) if d not in deliveries and d != "log"]
    if unknown:
        raise ConfigError(f"{where}: no [[delivery]] named {', '.join(unknown)}")
    raw["name"] = name
    try:
        return msgspec.convert(raw, Rule)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def parse_rules(text: str) -> RuleSet:
    """Rules and deliveries from TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file is not valid TOML: {exc}") from exc
    deliveries: dict[str, Delivery] = {}
    for raw in data.get("delivery", []):
        try:
            delivery = msgspec.convert(raw, Delivery)
        except msgspec.ValidationError as exc:
            raise ConfigError(f"[[delivery]] {raw.get('name')!r}: {exc}") from exc
        if delivery.type == "webhook" and not delivery.url:
            raise ConfigError(f"delivery {delivery.name!r}: a webhook needs url")
        if delivery.type == "email" and not (delivery.sender and delivery.to):
            raise ConfigError(f"delivery {delivery.name!r}: e-mail needs sender and to")
        deliveries[delivery.name] = delivery
    rules = [_rule(dict(raw), deliveries, n) for n, raw in enumerate(data.get("rule", []), 1)]
    if not rules:
        raise ConfigError("the rules file has no [[rule]]; see docs/alerts.md")
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ConfigError("rule names must be unique: alerts are de-duplicated by rule name")
    return RuleSet(rules=rules, deliveries=deliveries)


def load_rules(path: Path) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the rules file: {exc}") from exc
    return parse_rules(text)
