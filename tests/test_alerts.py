"""Alerts: rules from TOML, evaluation over a real store, storage, de-duplication,
acknowledgement, and deliveries to a real HTTP server and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from aiosmtpd.controller import Controller

from voxpop.alerts import (
    Delivery,
    Watcher,
    acknowledge,
    deliver,
    evaluate,
    list_alerts,
    parse_rules,
)
from voxpop.alerts.deliver import SIGNATURE_HEADER, sign
from voxpop.alerts.evaluate import Alert, sql_counts
from voxpop.analyze.narratives import assign_narratives
from voxpop.errors import ConfigError
from voxpop.schema import Post, posts_to_table
from voxpop.store import Store

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def add_posts(
    store: Store,
    n: int,
    *,
    text: str = "port strike",
    lang: str = "en",
    start: int = 0,
    at: datetime = NOW,
) -> None:
    posts = [
        Post(
            platform="twitter",
            post_id=f"p{start + i}",
            author_id=f"a{i}",
            created_at=at - timedelta(minutes=1 + i % 30),
            text=text,
            source_lang=lang,
        )
        for i in range(n)
    ]
    store.upsert_posts(posts_to_table(posts))


RULES = """
[[rule]]
name = "strike volume"
query = "strike"
condition = "volume"
above = 10
window = "1h"
severity = "critical"
cooldown = "30m"

[[rule]]
name = "french share"
condition = "language_share"
lang = "fr"
share = 0.5

[[rule]]
name = "clusters"
condition = "new_cluster"
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "a.duckdb") as s:
        yield s


def test_volume_alert_stored_deduplicated_and_acknowledged(store: Store) -> None:
    rules = parse_rules(RULES)
    add_posts(store, 5)
    assert evaluate(store, rules, now=NOW, deliver=False) == []
    add_posts(store, 20, start=5)
    fired = evaluate(store, rules, now=NOW, deliver=False)
    assert [(a.rule, a.value, a.severity) for a in fired] == [("strike volume", 25, "critical")]
    assert fired[0].delay_seconds is not None and fired[0].arrived_at is not None
    # Same window again, and within the cooldown: nothing new.
    assert evaluate(store, rules, now=NOW, deliver=False) == []
    assert evaluate(store, rules, now=NOW + timedelta(minutes=10), deliver=False) == []
    stored = list_alerts(store)
    assert len(stored) == 1 and stored[0].alert_id == fired[0].alert_id
    assert acknowledge(store, [fired[0].alert_id or 0], by="analyst") == 1
    assert acknowledge(store, [fired[0].alert_id or 0]) == 0
    assert list_alerts(store, unacknowledged=True) == []
    with pytest.raises(ConfigError, match="no alert with id 999"):
        acknowledge(store, [999])


def test_language_share_and_missing_tables(store: Store) -> None:
    rules = parse_rules(RULES)
    add_posts(store, 6, text="grève", lang="fr")
    fired = evaluate(store, rules, now=NOW, deliver=False)
    # new_cluster waits for the coordination table, which does not exist here.
    assert [a.rule for a in fired] == ["french share"]
    assert fired[0].value == 1.0


def test_surge_rule(store: Store) -> None:
    rules = parse_rules(
        '[[rule]]\nname = "s"\nquery = "strike"\ncondition = "surge"\nlookback = "1d"\n'
        'interval = "10m"\nwindow = "30m"\nmin_count = 5\n'
    )
    background = [
        Post(
            platform="twitter",
            post_id=f"b{i}",
            created_at=NOW - timedelta(minutes=5 * i),
            text="weather" if i % 40 else "strike",
        )
        for i in range(1, 288)
    ]
    store.upsert_posts(posts_to_table(background))
    assert evaluate(store, rules, now=NOW, deliver=False) == []
    add_posts(store, 30, at=NOW - timedelta(minutes=-15))
    fired = evaluate(store, rules, now=NOW + timedelta(minutes=20), deliver=False)
    assert len(fired) == 1 and fired[0].condition == "surge"
    assert fired[0].details["peak_count"] >= 10


def _narrated(store: Store, prefix: str, narrative: str, times: list[datetime]) -> None:
    """Posts at `times`, each assigned to `narrative` in post_narrative."""
    posts = [
        Post(platform="twitter", post_id=f"{prefix}{i}", created_at=t, text=f"story {narrative}")
        for i, t in enumerate(times)
    ]
    store.upsert_posts(posts_to_table(posts))
    store.con.executemany(
        "INSERT INTO post_narrative (platform, post_id, narrative_id, via) VALUES (?, ?, ?, ?)",
        [["twitter", p.post_id, narrative, "embedding"] for p in posts],
    )


def test_narrative_surge_per_narrative(store: Store) -> None:
    rules = parse_rules(
        '[[rule]]\nname = "stories"\ncondition = "narrative_surge"\nlookback = "1d"\n'
        'window = "30m"\ncooldown = "2h"\n'
    )
    # Nothing to read before the narrative analysis has assigned posts.
    assert evaluate(store, rules, now=NOW, deliver=False) == []
    day = [NOW - timedelta(minutes=5 * i + 2) for i in range(1, 288)]
    # Background: 20 posts every 5 minutes (narratives are a small part of all posts), and
    # three steady narratives with a post every 20 minutes.
    store.upsert_posts(
        posts_to_table(
            [
                Post(platform="twitter", post_id=f"b{i}-{k}", created_at=t - timedelta(seconds=k))
                for i, t in enumerate(day)
                for k in range(20)
            ]
        )
    )
    for name in ("port-strike", "flood", "bank-run"):
        _narrated(store, f"{name}-", name, day[::4])
    assert evaluate(store, rules, now=NOW, deliver=False) == []
    # Two of them surge in the last 20 minutes: each alerts, once.
    burst = [NOW - timedelta(seconds=30 * i + 10) for i in range(40)]
    _narrated(store, "s1-", "port-strike", burst)
    _narrated(store, "s2-", "flood", burst)
    fired = evaluate(store, rules, now=NOW + timedelta(minutes=1), deliver=False)
    assert sorted(a.details["narrative_id"] for a in fired) == ["flood", "port-strike"]
    assert all(a.condition == "narrative_surge" and a.arrived_at for a in fired)
    # The start is traced back to the first bucket above its expectation (a one-bucket gap
    # allowed): the burst began 20 minutes before NOW.
    assert all(NOW - timedelta(minutes=30) <= (a.window_start or NOW) for a in fired)
    # Within each narrative's cooldown, and in the same surge: nothing again.
    assert evaluate(store, rules, now=NOW + timedelta(minutes=6), deliver=False) == []


def test_narrative_surge_on_assigned_narratives(store: Store) -> None:
    # The narrative analysis itself assigns the posts; a story told every 20 minutes for a day
    # is then told 40 times in 20 minutes.
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(500)]
    day = [NOW - timedelta(minutes=5 * i + 2) for i in range(1, 288)]
    story = "dockers walk out at the container port over the new pay offer"
    posts = [
        Post(
            platform="twitter",
            post_id=f"b{i}-{k}",
            created_at=t - timedelta(seconds=k),
            text=" ".join(rng.choice(words, 8)),
        )
        for i, t in enumerate(day)
        for k in range(20)
    ]
    times = day[::4] + [NOW - timedelta(seconds=30 * i + 10) for i in range(40)]
    posts += [
        Post(platform="twitter", post_id=f"s{i}", created_at=t, text=f"{story} {words[i % 500]}")
        for i, t in enumerate(times)
    ]
    store.upsert_posts(posts_to_table(posts))
    assign_narratives(store)
    [[narrative]] = store.con.execute(
        "SELECT narrative_id FROM post_narrative WHERE post_id = 's0'"
    ).fetchall()
    rules = parse_rules(
        '[[rule]]\nname = "stories"\ncondition = "narrative_surge"\nlookback = "1d"\n'
        'window = "30m"\n'
    )
    fired = evaluate(store, rules, now=NOW + timedelta(minutes=1), deliver=False)
    assert [a.details["narrative_id"] for a in fired] == [narrative]


def test_new_narrative_once_it_has_emerged(store: Store) -> None:
    rules = parse_rules(
        '[[rule]]\nname = "n"\ncondition = "new_narrative"\nwindow = "1h"\ncooldown = "0m"\n'
    )
    insert = """INSERT INTO narratives (narrative_id, number, created_at, size, embedded, active,
        model, embedder, updated_at) VALUES (?, ?, ?, 3, 3, true, 'm', 'hashing', ?)"""
    # created_at stays null until the narrative reaches its emerging size: nothing yet.
    store.con.execute(insert, ["n-1", 1, None, NOW])
    assert evaluate(store, rules, now=NOW, deliver=False) == []
    store.con.execute(
        "UPDATE narratives SET created_at = ? WHERE narrative_id = 'n-1'",
        [NOW - timedelta(minutes=5)],
    )
    store.con.execute(insert, ["n-2", 2, NOW - timedelta(hours=3), NOW])  # older than the window
    [alert] = evaluate(store, rules, now=NOW, deliver=False)
    assert alert.details == {"narrative_id": "n-1"} and alert.message == "new narrative n-1"
    assert evaluate(store, rules, now=NOW + timedelta(minutes=1), deliver=False) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nname = "x"\ncondition = "volume"\n', "needs above"),
        ('[[rule]]\nname = "x"\ncondition = "loud"\n', "condition must be"),
        ('[[rule]]\nname = "x"\ncondition = "volume"\nabove = 1\nquery = "(a"\n', "position"),
        ('[[rule]]\nname = "x"\ncondition = "volume"\nabove = 1\ndeliver = ["nope"]\n', "nope"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_bad_rules(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_rules(text)


# -- deliveries ------------------------------------------------------------------------------


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []
    failures_left: ClassVar[dict[str, int]] = {}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.path, dict(self.headers), body))
        left = Hook.failures_left.get(self.path, 0)
        if self.path == "/down" or left > 0:
            Hook.failures_left[self.path] = left - 1
            self.send_response(503)
        elif self.path == "/bad":
            self.send_response(400)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    Hook.received = []
    Hook.failures_left = {"/flaky": 2}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def sample_alert() -> Alert:
    return Alert(
        rule="r",
        condition="volume",
        severity="warning",
        dedup_key="k",
        fired_at=NOW,
        message="25 posts",
        value=25,
        details={"posts": 25},
    )


def test_webhook_signed_and_retried(hook_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    targets = [
        Delivery(name="ok", type="webhook", url=hook_url + "/ok", secret_env="HOOK_SECRET"),
        Delivery(name="flaky", type="webhook", url=hook_url + "/flaky", backoff=0.01),
        Delivery(name="down", type="webhook", url=hook_url + "/down", retries=2, backoff=0.01),
        Delivery(name="bad", type="webhook", url=hook_url + "/bad", backoff=0.01),
        Delivery(
            name="refused", type="webhook", url="http://127.0.0.1:9/x", retries=1, backoff=0.01
        ),
    ]
    results = {r.delivery: r for r in deliver(sample_alert(), targets)}
    assert results["ok"].ok and results["ok"].attempts == 1
    assert results["flaky"].ok and results["flaky"].attempts == 3
    assert not results["down"].ok and results["down"].attempts == 3
    assert results["down"].error == "HTTP 503"
    assert not results["bad"].ok and results["bad"].attempts == 1  # a 4xx is not retried
    assert not results["refused"].ok and results["refused"].attempts == 2
    path, headers, body = Hook.received[0]
    assert path == "/ok"
    assert headers[SIGNATURE_HEADER] == sign(body, b"s3cret")
    assert json.loads(body)["message"] == "25 posts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def test_email_delivery() -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        target = Delivery(
            name="mail",
            type="email",
            smtp_host="127.0.0.1",
            smtp_port=port,
            sender="voxpop@example.org",
            to=["desk@example.org"],
        )
        [result] = deliver(sample_alert(), [target])
        assert result.ok
        [message] = inbox.messages
        assert message["To"] == "desk@example.org"
        assert "25 posts" in message["Subject"]
        closed = Delivery(
            name="m2",
            type="email",
            smtp_host="127.0.0.1",
            smtp_port=free_port(),
            sender="a@b",
            to=["c@d"],
            timeout=2,
        )
        assert not deliver(sample_alert(), [closed])[0].ok
    finally:
        controller.stop()


def test_watcher_evaluates_on_arrival_and_delivers(store: Store, hook_url: str) -> None:
    rules = parse_rules(
        f'[[delivery]]\nname = "hook"\ntype = "webhook"\nurl = "{hook_url}/ok"\n'
        '[[rule]]\nname = "v"\ncondition = "volume"\nabove = 3\nwindow = "1h"\n'
        'deliver = ["hook"]\n'
    )
    watcher = Watcher(store, rules)
    assert watcher.check() == []
    add_posts(store, 5, at=datetime.now(UTC))
    [alert] = watcher.check()
    assert alert.deliveries[0]["ok"]
    assert 0 <= (alert.delay_seconds or 0) < 60
    assert watcher.check() == []  # nothing new arrived
    assert list_alerts(store)[0].deliveries[0]["delivery"] == "hook"


def test_watcher_tally_agrees_with_the_store(store: Store) -> None:
    rules = parse_rules(
        '[[rule]]\nname = "v"\nquery = "strike"\ncondition = "volume"\nabove = 1000\n'
        'window = "1h"\n'
        '[[rule]]\nname = "fr"\nquery = "strike OR grève"\ncondition = "language_share"\n'
        'lang = "fr"\nshare = 0.9\nwindow = "1h"\n'
    )
    now = datetime.now(UTC)
    add_posts(store, 7, at=now)  # before the watcher starts: read by its first pass
    watcher = Watcher(store, rules, deliver=False)
    for batch in range(3):
        add_posts(store, 5, text="grève strike", lang="fr", start=100 + 10 * batch, at=now)
        add_posts(store, 4, text="weather", start=200 + 10 * batch, at=now)
        watcher.check(now=now)
    assert watcher.check(now=now) == []  # nothing new: the overlap re-read counts nothing twice
    counts = sql_counts(store)
    start = now - timedelta(hours=1)
    for rule in rules.rules:
        assert watcher.counts(rule, start, now) == counts(rule, start, now)
    assert watcher.counts(rules.rules[0], start, now)[0] == 22
    assert watcher.counts(rules.rules[1], start, now)[:2] == (22, 15)
