"""Writing simulated posts as twarc2 output: JSON lines, one API v2 search page per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import IO

import msgspec

from voxpop.schema import Post
from voxpop.simulate._engine import Chunk
from voxpop.simulate._world import Accounts

__all__ = ["write_twarc"]

_SEARCH_URL = (
    "https://api.twitter.com/2/tweets/search/all?expansions=author_id%2Cin_reply_to_user_id"
    "%2Creferenced_tweets.id%2Creferenced_tweets.id.author_id%2Centities.mentions.username"
    "&tweet.fields=author_id%2Cconversation_id%2Ccreated_at%2Centities%2Cid%2C"
    "in_reply_to_user_id%2Clang%2Cpublic_metrics%2Creferenced_tweets%2Ctext"
    "&user.fields=id%2Cname%2Cpublic_metrics%2Cusername%2Cverified"
    "&max_results={size}&query=lang%3Aen%20OR%20-is%3Aretweet%20OR%20is%3Aretweet"
    "&start_time={start}&end_time={end}"
)
_REF_TYPE = {"repost": "retweeted", "reply": "replied_to", "quote": "quoted"}
_TCO_LENGTH = len("https://t.co/") + 10
_CLOCK = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000Z" for s in range(86400))
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _find(text: str, token: str, start: int = 0) -> int:
    """Where `token` (a #tag or @handle) stands whole in `text`, or -1."""
    while True:
        at = text.find(token, start)
        if at < 0:
            return -1
        end = at + len(token)
        if end >= len(text) or (text[end] not in _WORD and not text[end].isalnum()):
            return at
        start = at + 1


def _display(url: str) -> str:
    shown = url.split("://", 1)[-1].removeprefix("www.")
    return shown if len(shown) <= 25 else shown[:24] + "…"


class _Metrics(msgspec.Struct):
    retweet_count: int
    reply_count: int
    like_count: int
    quote_count: int
    impression_count: int


class _Url(msgspec.Struct):
    start: int
    end: int
    url: str
    expanded_url: str
    display_url: str


class _Hashtag(msgspec.Struct):
    start: int
    end: int
    tag: str


class _Mention(msgspec.Struct):
    start: int
    end: int
    username: str
    id: str


class _Entities(msgspec.Struct, omit_defaults=True):
    mentions: list[_Mention] | None = None
    hashtags: list[_Hashtag] | None = None
    urls: list[_Url] | None = None


class _Ref(msgspec.Struct):
    type: str
    id: str


class _Tweet(msgspec.Struct, omit_defaults=True):
    id: str
    text: str
    author_id: str | None
    created_at: str
    lang: str | None
    conversation_id: str | None
    edit_history_tweet_ids: list[str]
    public_metrics: _Metrics
    entities: _Entities | None = None
    referenced_tweets: list[_Ref] | None = None
    in_reply_to_user_id: str | None = None


class _UserMetrics(msgspec.Struct):
    followers_count: int
    following_count: int
    tweet_count: int
    listed_count: int


class _User(msgspec.Struct):
    id: str
    username: str
    name: str
    verified: bool
    protected: bool
    public_metrics: _UserMetrics


class _Includes(msgspec.Struct, omit_defaults=True):
    users: list[_User]
    tweets: list[_Tweet] | None = None


class _Meta(msgspec.Struct, omit_defaults=True):
    newest_id: str
    oldest_id: str
    result_count: int
    next_token: str | None = None


class _Twarc(msgspec.Struct):
    url: str
    version: str
    retrieved_at: str


class _Page(msgspec.Struct):
    data: list[_Tweet]
    includes: _Includes
    meta: _Meta
    twarc: _Twarc = msgspec.field(name="__twarc")


_NO_METRICS = _Metrics(0, 0, 0, 0, 0)


class _Pages:
    def __init__(self, accounts: Accounts, out: IO[bytes], size: int, end: datetime) -> None:
        self.acc = accounts
        self.out = out
        self.index = {pid: i for i, pid in enumerate(accounts.ids)}
        self.by_handle = {h: i for i, h in enumerate(accounts.handles)}
        self.followers = accounts.followers.tolist()
        self.following = accounts.following.tolist()
        self.statuses = accounts.statuses.tolist()
        self.encoder = msgspec.json.Encoder()
        self.buffer = bytearray()
        self.retrieved = (end + timedelta(hours=2)).isoformat()
        self.url = _SEARCH_URL.format(
            size=size,
            start="{start}",
            end=end.strftime("%Y-%m-%dT%H%%3A%M%%3A%SZ"),
        )
        self.days: dict[int, str] = {}  # day number -> "2026-03-02T": isoformat is slow
        self.cache: dict[str, tuple[_Tweet, tuple[int, ...]]] = {}
        self.user_cache: dict[int, _User] = {}
        self.pages = 0

    def tweet(self, p: Post, users: set[int]) -> _Tweet:
        """The API object of a post; adds the accounts it names to `users`."""
        cached = self.cache.get(p.post_id)
        if cached is None:
            cached = self.build(p)
            if p.kind != "repost":  # originals come back as the referenced tweets of later pages
                if len(self.cache) > 100_000:
                    self.cache.clear()
                self.cache[p.post_id] = cached
        users.update(cached[1])
        return cached[0]

    def build(self, p: Post) -> tuple[_Tweet, tuple[int, ...]]:
        text = p.text or ""
        named: list[int] = []
        entities = None
        if p.mentions or p.hashtags or p.urls:
            entities = _Entities()
            if p.mentions:
                mentions = []
                for handle in p.mentions:
                    at = _find(text, "@" + handle)
                    user = self.by_handle.get(handle)
                    if at >= 0 and user is not None:
                        named.append(user)
                        mentions.append(
                            _Mention(at, at + 1 + len(handle), handle, self.acc.ids[user])
                        )
                entities.mentions = mentions
            if p.hashtags:
                tags = []
                for tag in p.hashtags:
                    at = _find(text, "#" + tag)
                    if at >= 0:
                        tags.append(_Hashtag(at, at + 1 + len(tag), tag))
                entities.hashtags = tags
            if p.urls:
                links = []
                at = 0
                for url in p.urls:
                    at = text.find("https://t.co/", at)
                    if at < 0:
                        break
                    end = at + _TCO_LENGTH
                    links.append(_Url(at, end, text[at:end], url, _display(url)))
                    at = end
                entities.urls = links
        m = p.metrics
        created = p.created_at
        assert created is not None
        day, second = divmod(int(created.timestamp()), 86400)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
        tweet = _Tweet(
            p.post_id,
            text,
            p.author_id,
            prefix + _CLOCK[second],
            p.source_lang,
            p.conversation_id,
            [p.post_id],
            _Metrics(m.reposts or 0, m.replies or 0, m.likes or 0, m.quotes or 0, m.views or 0)
            if m
            else _NO_METRICS,
            entities,
        )
        if p.parent_id is not None and p.kind in _REF_TYPE:
            tweet.referenced_tweets = [_Ref(_REF_TYPE[p.kind], p.parent_id)]
            if p.kind == "reply":
                tweet.in_reply_to_user_id = p.parent_author_id
        author = self.index.get(p.author_id or "")
        if author is not None:
            named.append(author)
        if p.parent_author_id is not None:
            parent_author = self.index.get(p.parent_author_id)
            if parent_author is not None:
                named.append(parent_author)
        return tweet, tuple(named)

    def user(self, i: int) -> _User:
        user = self.user_cache.get(i)
        if user is None:
            if len(self.user_cache) > 100_000:
                self.user_cache.clear()
            acc = self.acc
            user = self.user_cache[i] = _User(
                acc.ids[i],
                acc.handles[i],
                acc.names[i],
                False,
                False,
                _UserMetrics(
                    self.followers[i], self.following[i], self.statuses[i], self.followers[i] // 200
                ),
            )
        return user

    def write(self, page: list[Post], refs: dict[str, Post], last: bool) -> None:
        users: set[int] = set()
        data = [self.tweet(p, users) for p in page]
        in_page = {p.post_id: p for p in page}
        included: list[_Tweet] = []
        seen: set[str] = set()
        for p in page:
            pid = p.parent_id
            if pid is None or pid in seen:
                continue
            parent = in_page.get(pid) or refs.get(pid)
            if parent is not None:
                seen.add(pid)
                included.append(self.tweet(parent, users))
        self.pages += 1
        record = _Page(
            data,
            _Includes([self.user(i) for i in sorted(users)], included or None),
            _Meta(
                page[-1].post_id,
                page[0].post_id,
                len(page),
                None if last else f"b26v89c19zqg8o3fo{self.pages:014x}",
            ),
            _Twarc(
                self.url.replace("{start}", data[0].created_at[:19] + "Z"),
                "2.14.0",
                self.retrieved,
            ),
        )
        self.encoder.encode_into(record, self.buffer)
        self.buffer.extend(b"\n")
        self.out.write(self.buffer)


def write_twarc(
    chunks: Iterable[Chunk],
    accounts: Accounts,
    out: IO[bytes],
    *,
    page_size: int,
    end: datetime,
) -> Iterator[Chunk]:
    """Write every chunk's posts as pages of `page_size` tweets; yields each chunk once written.

    A page's referenced tweets (the original of a retweet, the tweet replied to or quoted) go
    to its `includes.tweets`, also when the page's own data holds them, as the API's
    expansions do.
    """
    pages = _Pages(accounts, out, page_size, end)
    pending: list[Post] = []
    refs: dict[str, Post] = {}
    for chunk in chunks:
        refs = {**refs, **chunk.referenced} if pending else dict(chunk.referenced)
        pending.extend(chunk.posts)
        at = 0
        while len(pending) - at > page_size:  # keep one back: the last page has no next_token
            pages.write(pending[at : at + page_size], refs, last=False)
            at += page_size
        del pending[:at]
        yield chunk
    if pending:
        pages.write(pending, refs, last=True)
