"""The query language: what analysts type into social-listening tools, compiled to DuckDB SQL.

Syntax (`docs/query.md` has the full reference):

- `strike` a term: matches it as a whole word; `strik*` a trailing wildcard matches words
  starting with "strik"; `"port strike"` a phrase: the words in that order, whatever spaces or
  punctuation lie between them in the post;
- `#PortStrike` a hashtag (the post's hashtags, or "#portstrike" in its text); `@handle` a
  mention;
- `AND`, `OR`, `NOT` (upper case; lower-case "and" is a term), `-term` for NOT, parentheses.
  Terms side by side are ANDed. NOT binds tightest, then AND, then OR;
- fields: `lang:` `platform:` `kind:` `author:` `domain:` `url:` `collection:` `since:`
  `until:`; a value with spaces is quoted: `collection:"port strike"`.

Matching is case- and accent-insensitive: text and query are both lower-cased and stripped of
combining marks (DuckDB's `strip_accents(lower(...))` on the posts, kept in
`posts.text_folded` once `Store.fold_texts` has run, `fold` here on the query; the two agree, a
test checks it). Words are runs of letters, digits and "_"; in scripts written
without spaces (Chinese, Japanese, Thai...) a term matches anywhere, as a substring.

`compile_query` returns a WHERE clause over the `posts` table (unaliased) and its parameters.
Every value, user text and our own regular expressions alike, travels as a `?` parameter: the
SQL holds no string literal at all, so no query text can change its meaning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from voxpop.enrich.text import UNSEGMENTED_RUN
from voxpop.enrich.urls import url_domain, url_key
from voxpop.errors import VoxpopError
from voxpop.store import Store

__all__ = [
    "FIELDS",
    "And",
    "Field",
    "Hashtag",
    "Mention",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "Term",
    "compile_query",
    "fold",
    "parse",
    "search",
]

FIELDS = (
    "lang",
    "platform",
    "kind",
    "author",
    "domain",
    "url",
    "collection",
    "since",
    "until",
)
MAX_DEPTH = 64  # nesting of parentheses and NOTs; deeper input is refused, not a RecursionError


class QuerySyntaxError(VoxpopError):
    """A query that cannot be parsed; `position` is the 0-based character offset of the fault."""

    def __init__(self, message: str, position: int, query: str) -> None:
        self.position = position
        self.query = query
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position}\n  {query}\n  {pointer}")


# -- AST ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a phrase (`phrase=True`); `prefix` when it ended with a wildcard."""

    text: str
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Hashtag:
    tag: str  # without "#"
    prefix: bool = False


@dataclass(frozen=True)
class Mention:
    handle: str  # without "@"


@dataclass(frozen=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Hashtag | Mention | Field | Not | And | Or


# -- lexer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "phrase", "word", "field"
    text: str
    pos: int
    field: str = ""


_SPECIAL = '()"'


def _lex(query: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Token(c, c, i))
            i += 1
        elif c == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError('unterminated quote: close it with "', i, query)
            out.append(_Token("phrase", query[i + 1 : end], i))
            i = end + 1
        elif c == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] != ")":
            out.append(_Token("-", c, i))
            i += 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
            word = query[start:i]
            name, colon, value = word.partition(":")
            # "https://..." typed as a term is a link, not a field.
            if colon and name.isascii() and name.isalpha() and not value.startswith("//"):
                if name.lower() not in FIELDS:
                    raise QuerySyntaxError(
                        f"unknown field {name!r}: use one of {', '.join(FIELDS)}, or quote "
                        "the term to search for it as text",
                        start,
                        query,
                    )
                if not value and i < n and query[i] == '"':
                    end = query.find('"', i + 1)
                    if end < 0:
                        raise QuerySyntaxError('unterminated quote: close it with "', i, query)
                    value = query[i + 1 : end]
                    i = end + 1
                if not value.strip():
                    raise QuerySyntaxError(f"field {name}: needs a value", start, query)
                out.append(_Token("field", value.strip(), start, name.lower()))
            elif word in ("AND", "OR", "NOT"):
                out.append(_Token(word, word, start))
            else:
                out.append(_Token("word", word, start))
    return out


# -- parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _lex(query)
        self.i = 0

    def error(self, message: str, token: _Token | None = None) -> QuerySyntaxError:
        pos = token.pos if token else len(self.query)
        return QuerySyntaxError(message, pos, self.query)

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty query: give a term, a phrase, a #hashtag or a field")
        node = self.or_expr(0)
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {token.text!r}", token)
        return node

    def or_expr(self, depth: int) -> Node:
        children = [self.and_expr(depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.i += 1
            children.append(self.and_expr(depth))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self, depth: int) -> Node:
        children = [self.unary(depth)]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.i += 1
            children.append(self.unary(depth))
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self, depth: int) -> Node:
        negations = 0
        while (token := self.peek()) is not None and token.kind in ("NOT", "-"):
            self.i += 1
            negations += 1
            if depth + negations > MAX_DEPTH:
                raise self.error(f"more than {MAX_DEPTH} nested NOTs", token)
        node = self.primary(depth)
        for _ in range(negations):
            node = Not(node)
        return node

    def primary(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise self.error("the query ends where a term was expected")
        self.i += 1
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise self.error(f"more than {MAX_DEPTH} nested parentheses", token)
            node = self.or_expr(depth + 1)
            close = self.peek()
            if close is None or close.kind != ")":
                raise self.error("missing ')' for the '(' at position " + str(token.pos), close)
            self.i += 1
            return node
        if token.kind == "phrase":
            if not fold(token.text).strip():
                raise self.error("empty phrase", token)
            return Term(" ".join(token.text.split()), phrase=True)
        if token.kind == "field":
            _check_field(token, self.query)
            return Field(token.field, token.text)
        if token.kind == "word":
            return self.word(token)
        raise self.error(f"unexpected {token.text!r}: a term was expected", token)

    def word(self, token: _Token) -> Node:
        text = token.text
        prefix = text.endswith("*")
        body = text.rstrip("*") if prefix else text
        if "*" in body:
            raise self.error("a wildcard can only end a term", token)
        if text[0] in "#@":
            body = body[1:]
            if not body or not fold(body).strip():
                raise self.error(f"{text[0]} must be followed by a name", token)
            if text[0] == "@":
                if prefix:
                    raise self.error("a mention cannot end with a wildcard", token)
                return Mention(body)
            return Hashtag(body, prefix=prefix)
        if not fold(body).strip():
            raise self.error("a term needs letters, digits or symbols before '*'", token)
        return Term(body, prefix=prefix)


def _parse_time(value: str, *, end: bool) -> datetime | None:
    """A date or ISO datetime in UTC; an `until:` date means the end of that day."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _check_field(token: _Token, query: str) -> None:
    if token.field in ("since", "until") and _parse_time(token.text, end=False) is None:
        raise QuerySyntaxError(
            f"{token.field}: wants a date or time like 2026-03-01 or 2026-03-01T12:00Z",
            token.pos,
            query,
        )
    if token.field == "domain" and not url_domain(token.text):
        raise QuerySyntaxError("domain: wants a host name like example.com", token.pos, query)


def parse(query: str) -> Node:
    """The AST of a query; raises QuerySyntaxError (with the position) for anything else."""
    return _Parser(query).parse()


# -- compiler -------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower-case and drop combining marks: the Python twin of strip_accents(lower(x))."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return unicodedata.normalize("NFC", stripped)


_NONWORD = r"[^\pL\pN_]"
_WORD = re.compile(r"\w+")
# The detected language (copied onto posts by enrichment), else the source's own tag.
_LANG = "coalesce(posts.detected_lang, lower(posts.source_lang))"
_HOST_PATTERN = r"^(?:[a-z][a-z0-9+.\-]*://)?(?:[^/?#@]*@)?(?:www\.)?([^/?#:]+)"
_SCHEME_PATTERN = r"^[a-z][a-z0-9+.\-]*://(?:www\.)?"


def _literal(text: str) -> str:
    """Text as an RE2 pattern matching it literally: word characters as is, the rest as \\x{..}."""
    return "".join(c if c.isalnum() or c in "_ " else f"\\x{{{ord(c):x}}}" for c in text)


def _unsegmented(char: str) -> bool:
    return bool(UNSEGMENTED_RUN.match(char))


class _Compiler:
    def __init__(self, *, folded: bool) -> None:
        self.params: list[Any] = []
        self.folded = folded

    def p(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def text(self) -> str:
        if self.folded:
            return "posts.text_folded"
        # text_folded is filled after ingest (Store.fold_texts); rows without it fold here.
        return (
            f"coalesce(posts.text_folded, strip_accents(lower(coalesce(posts.text, {self.p('')}))))"
        )

    def node(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " AND ".join(self.node(c) for c in node.children) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.node(c) for c in node.children) + ")"
        if isinstance(node, Not):
            return f"(NOT coalesce({self.node(node.child)}, false))"
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Hashtag):
            return self.hashtag(node)
        if isinstance(node, Mention):
            return self.mention(node)
        return self.field(node)

    def term(self, node: Term) -> str:
        folded = fold(node.text)
        words = _WORD.findall(folded)
        if not words:
            # Only symbols (an emoji, "?!"): matched as a substring.
            return f"contains({self.text()}, {self.p(folded.strip())})"
        first, last = words[0][0], words[-1][-1]
        cjk = any(_unsegmented(c) for w in words for c in w)
        separator = f"{_NONWORD}*" if cjk else f"{_NONWORD}+"
        pattern = separator.join(words)
        if not _unsegmented(first):
            pattern = f"(?:^|{_NONWORD}){pattern}"
        if not node.prefix and not _unsegmented(last):
            pattern = f"{pattern}(?:{_NONWORD}|$)"
        longest = max(words, key=len)
        # contains() first: a cheap substring test that spares the regex most posts.
        return (
            f"(contains({self.text()}, {self.p(longest)}) "
            f"AND regexp_matches({self.text()}, {self.p(pattern)}))"
        )

    def hashtag(self, node: Hashtag) -> str:
        tag = fold(node.tag)
        in_text = "#" + _literal(tag) + ("" if node.prefix else f"(?:{_NONWORD}|$)")
        if node.prefix:
            in_list = (
                "len(list_filter(coalesce(posts.hashtags, []), "
                f"lambda h: starts_with(strip_accents(lower(h)), {self.p(tag)}))) > 0"
            )
        else:
            in_list = (
                "list_contains(list_transform(coalesce(posts.hashtags, []), "
                f"lambda h: strip_accents(lower(h))), {self.p(tag)})"
            )
        return f"({in_list} OR regexp_matches({self.text()}, {self.p(in_text)}))"

    def mention(self, node: Mention) -> str:
        handle = node.handle.lower()
        in_list = (
            "list_contains(list_transform(coalesce(posts.mentions, []), lambda m: lower(m)), "
            f"{self.p(handle)})"
        )
        in_text = "@" + _literal(handle) + f"(?:{_NONWORD}|$)"
        text = f"lower(coalesce(posts.text, {self.p('')}))"
        return f"({in_list} OR regexp_matches({text}, {self.p(in_text)}))"

    def field(self, node: Field) -> str:
        name, value = node.name, node.value
        if name == "lang":
            code = value.lower()
            return f"({_LANG} = {self.p(code)} OR starts_with({_LANG}, {self.p(code + '-')}))"
        if name in ("platform", "kind", "collection"):
            return f"(lower(posts.{name}) = {self.p(value.lower())})"
        if name == "author":
            handle = value.removeprefix("@")
            return (
                f"(lower(posts.author_handle) = {self.p(handle.lower())} "
                f"OR posts.author_id = {self.p(handle)})"
            )
        if name == "domain":
            domain = url_domain(value)
            hosts = (
                "list_transform(coalesce(posts.urls, []), "
                f"lambda u: regexp_extract(lower(u), {self.p(_HOST_PATTERN)}, 1))"
            )
            return (
                f"(len(list_filter({hosts}, lambda h: h = {self.p(domain)} "
                f"OR ends_with(h, {self.p('.' + domain)}))) > 0)"
            )
        if name == "url":
            key = url_key(value).lower()
            scheme_free = f"regexp_replace(lower(u), {self.p(_SCHEME_PATTERN)}, {self.p('')})"
            return (
                f"(len(list_filter(coalesce(posts.urls, []), lambda u: starts_with({scheme_free}, "
                f"{self.p(key)}))) > 0)"
            )
        moment = _parse_time(value, end=name == "until")
        op = ">=" if name == "since" else "<"
        return f"(posts.created_at {op} {self.p(moment)})"


def compile_query(query: str | Node, *, folded: bool = False) -> tuple[str, list[Any]]:
    """A WHERE clause over `posts` (the table, unaliased) and its parameters, in order.

    The clause holds no literal values: everything, user text included, is a `?` parameter.
    A blank query string selects every post (a trend of all posts, a rule with no query).
    `folded=True` when every post's `text_folded` is filled (`Store.texts_folded()`): text
    matches then read that column alone instead of it and `text`, a third less to scan.
    """
    if isinstance(query, str) and not query.strip():
        return "TRUE", []
    node = parse(query) if isinstance(query, str) else query
    compiler = _Compiler(folded=folded)
    sql = compiler.node(node)
    return sql, compiler.params


_SEARCH_COLUMNS = (
    "posts.platform, posts.post_id, posts.created_at, posts.author_handle, posts.kind, "
    f"{_LANG} AS lang, posts.text, posts.hashtags, posts.urls, posts.collection"
)


def search(store: Store, query: str, *, limit: int | None = 100) -> pa.Table:
    """Collected posts matching the query, newest first (at most `limit`; None for all)."""
    where, params = compile_query(query, folded=store.texts_folded())
    sql = f"SELECT {_SEARCH_COLUMNS} FROM posts WHERE NOT posts.context AND {where}"
    sql += " ORDER BY posts.created_at DESC NULLS LAST, posts.platform, posts.post_id"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    return store.con.sql(sql, params=params).to_arrow_table()
