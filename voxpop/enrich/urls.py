"""URL canonicalisation: one spelling per link, so shares of the same page can be counted together.

`canonical_url` keeps a URL that still works but drops what varies between shares of a page:

- scheme and host are lower-cased, a trailing dot on the host is dropped, default ports (80
  for http, 443 for https) are dropped, an empty path becomes "/";
- percent-escapes are upper-cased and escapes of unreserved characters (letters, digits,
  "-._~") are decoded, so `%7e` and `~` are one spelling;
- tracking parameters are removed (`utm_*`, `fbclid`, `gclid`, `igshid`, `mc_cid`, ... see
  `TRACKING_PARAMS`, plus a few per-site ones such as YouTube's `si` and X/Twitter's `s`/`t`);
  the other parameters are kept **in their original order** and spelling: their order can
  matter to the site, and copies of one link are copy-pasted, so they rarely differ in order;
- the fragment is dropped, except client-side routes (`#!...` and `#/...`), which name the page;
- `youtu.be/ID` becomes `https://www.youtube.com/watch?v=ID` and `m.youtube.com` becomes
  `www.youtube.com`: these are rewrites everybody agrees on, so they need no network.

The scheme is kept (`http` and `https` stay apart in `canonical_url`); `url_key` is the
grouping key that also drops the scheme and a leading "www.", for counting shares.

URLs without a scheme are accepted when they start like a host name (`example.com/x`,
`www.example.com`) and read as `http://`. Garbage never raises: an unparsable URL comes back
stripped of surrounding whitespace, otherwise unchanged; other schemes (`mailto:`, `ftp:`)
only have their scheme lower-cased.

`is_shortener` marks links from known URL shorteners (`SHORTENERS`); the optional resolver
(`voxpop.enrich.resolver`) follows them. `youtu.be` is not counted as a shortener: it is
rewritten without the network.

The `*_array` functions map a whole Arrow string or list-of-string column, with a cache,
since the same links recur many times in a corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "SHORTENERS",
    "TRACKING_PARAMS",
    "canonical_url",
    "canonical_url_array",
    "is_shortener",
    "is_shortener_array",
    "url_domain",
    "url_domain_array",
    "url_key",
    "url_key_array",
]

TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # Ad and analytics click ids
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "epik",
        "rb_clickid",
        "igshid",
        "igsh",
        "srsltid",
        # Google Analytics cross-domain linker
        "_ga",
        "_gl",
        # Mailchimp, HubSpot, Marketo, Olytics, Vero, Wicked Reports, Sailthru
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_conv",
        "vero_id",
        "wickedid",
        "__s",
        # Twitter's referral markers
        "ref_src",
        "ref_url",
        # Matomo / Piwik
        "pk_campaign",
        "pk_kwd",
        "pk_source",
        "pk_medium",
        "mtm_campaign",
        "mtm_source",
        "mtm_medium",
        "mtm_content",
        "mtm_keyword",
        # Misc. share markers
        "cmpid",
        "ncid",
        "sr_share",
        "share_id",
    }
)
# Prefixes: every utm_* (utm_source, utm_medium, ...), every hmb_* (Hearst) and stm_* marker.
_TRACKING_PREFIXES = ("utm_", "hmb_", "stm_")

# Site-specific share markers that mean nothing elsewhere (`si` or `t` are real parameters on
# other sites). Keyed by the host without "www.".
_SITE_PARAMS: dict[str, frozenset[str]] = {
    "youtube.com": frozenset({"si", "feature", "pp", "ab_channel"}),
    "music.youtube.com": frozenset({"si", "feature"}),
    "twitter.com": frozenset({"s", "t", "src"}),
    "x.com": frozenset({"s", "t", "src"}),
    "mobile.twitter.com": frozenset({"s", "t", "src"}),
    "instagram.com": frozenset({"utm_source", "img_index", "igshid", "igsh"}),
    "open.spotify.com": frozenset({"si", "nd", "context"}),
    "tiktok.com": frozenset({"is_from_webapp", "sender_device", "is_copy_url", "_r", "_t"}),
    "facebook.com": frozenset({"mibextid", "__tn__", "__cft__[0]", "rdid", "sfnsn"}),
    "m.facebook.com": frozenset({"mibextid", "__tn__", "__cft__[0]", "rdid", "sfnsn"}),
    "amazon.com": frozenset({"ref", "ref_", "pd_rd_r", "pd_rd_w", "pd_rd_wg", "pf_rd_p"}),
    "t.me": frozenset({"single"}),
}

SHORTENERS: frozenset[str] = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "j.mp",
        "t.co",
        "tinyurl.com",
        "goo.gl",
        "g.co",
        "ow.ly",
        "buff.ly",
        "dlvr.it",
        "ift.tt",
        "is.gd",
        "v.gd",
        "trib.al",
        "fb.me",
        "on.fb.me",
        "lnkd.in",
        "tiny.cc",
        "cutt.ly",
        "rebrand.ly",
        "rb.gy",
        "shorturl.at",
        "t.ly",
        "s.id",
        "bl.ink",
        "soo.gd",
        "shorte.st",
        "adf.ly",
        "po.st",
        "su.pr",
        "qr.ae",
        "wp.me",
        "amzn.to",
        "amzn.eu",
        "a.co",
        "apple.co",
        "spoti.fi",
        "flip.it",
        "linktr.ee",
        "tr.im",
        "cli.gs",
        "mcaf.ee",
        "snip.ly",
        "hubs.ly",
        "hubs.li",
        "sprou.tt",
        "crwd.fr",
        "ht.ly",
        "nyti.ms",
        "wapo.st",
        "bbc.in",
        "reut.rs",
        "cnn.it",
        "fxn.ws",
        "nbcnews.to",
        "abcn.ws",
        "politi.co",
        "huffp.st",
        "econ.st",
        "ti.me",
        "on.wsj.com",
        "bloom.bg",
        "yhoo.it",
        "aje.io",
        "dai.ly",
        "vk.cc",
        "clck.ru",
        "u.to",
        "t.cn",
        "url.cn",
        "dwz.cn",
        "sohu.gg",
        "vm.tiktok.com",
        "vt.tiktok.com",
        "pin.it",
        "redd.it",
        "msft.it",
        "aka.ms",
        "db.tt",
        "ln.is",
        "1url.com",
        "tinyurl.is",
        "t2m.io",
        "zpr.io",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A scheme-less URL that starts like a host name: "example.com", "www.x.org/path?q".
_BARE_HOST = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?::\d{1,5})?(?:[/?#]|$)")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_WHITESPACE = re.compile(r"\s")


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _normalize_escapes(part: str) -> str:
    return _ESCAPE.sub(_fix_escape, part) if "%" in part else part


def _is_tracking(name: str, site: frozenset[str]) -> bool:
    # Parameter names are compared decoded and case-insensitively: "UTM_Source", "utm%5Fsource".
    key = _normalize_escapes(name).lower()
    return key in TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES) or key in site


def _split(url: str) -> SplitResult | None:
    """urlsplit with a scheme supplied for bare host names; None when it cannot be parsed."""
    if url.startswith("//"):
        url = "http:" + url
    elif "://" not in url and _BARE_HOST.match(url):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return None
    return parts


def _host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    # A numeric IPv6 address keeps its brackets in a URL.
    return f"[{host}]" if ":" in host else host


def _bare(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


@lru_cache(maxsize=1 << 18)
def canonical_url(url: str) -> str:
    """The canonical spelling of a URL (see the module docstring). Never raises."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    if not url or _WHITESPACE.search(url):
        return url
    parts = _split(url)
    if parts is None:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return f"{scheme}:{url.split(':', 1)[1]}" if parts.scheme else url
    host = _host(parts)
    if not host:
        return url
    bare = _bare(host)
    path = _normalize_escapes(parts.path) or "/"
    query = parts.query
    if bare == "youtu.be" and len(path) > 1:
        video = path[1:].split("/", 1)[0]
        scheme, host, bare, path = "https", "www.youtube.com", "youtube.com", "/watch"
        query = f"v={video}&{query}" if query else f"v={video}"
    elif host == "m.youtube.com":
        host, bare = "www.youtube.com", "youtube.com"
    netloc = host
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{parts.port}"
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    if query:
        site = _SITE_PARAMS.get(bare, frozenset())
        kept = [p for p in query.split("&") if p and not _is_tracking(p.split("=", 1)[0], site)]
        query = _normalize_escapes("&".join(kept))
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def url_key(url: str) -> str:
    """A grouping key for shares of one page: the canonical URL without scheme and "www."."""
    canonical = canonical_url(url)
    scheme, sep, rest = canonical.partition("://")
    if not sep or scheme not in _DEFAULT_PORTS:
        return canonical
    return _bare(rest)


@lru_cache(maxsize=1 << 16)
def url_domain(url: str) -> str:
    """The host of a URL, lower-cased, without port and without a leading "www."; "" if none."""
    if not isinstance(url, str):
        return ""
    parts = _split(url.strip())
    if parts is None:
        return ""
    return _bare(_host(parts))


def is_shortener(url: str) -> bool:
    """Whether the URL points at a known URL shortener (see `SHORTENERS`)."""
    return url_domain(url) in SHORTENERS


def _map_strings(values: pa.Array | pa.ChunkedArray, fn: Callable[[str], object]) -> list[object]:
    return [None if v is None else fn(v) for v in values.to_pylist()]


def _map_column(
    values: pa.Array | pa.ChunkedArray, fn: Callable[[str], object], out_type: pa.DataType
) -> pa.Array:
    """Apply `fn` to a string column or to every element of a list-of-strings column."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        # flatten() and rebased offsets, because a sliced list array's child is not sliced.
        flat = pa.array(_map_strings(values.flatten(), fn), out_type)
        offsets = pc.subtract(values.offsets, values.offsets[0])
        return type(values).from_arrays(offsets, flat, mask=values.is_null())
    return pa.array(_map_strings(values, fn), out_type)


def canonical_url_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`canonical_url` over a string column or a list-of-strings column (e.g. posts.urls)."""
    return _map_column(values, canonical_url, pa.string())


def url_key_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`url_key` over a string column or a list-of-strings column."""
    return _map_column(values, url_key, pa.string())


def url_domain_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`url_domain` over a string column or a list-of-strings column."""
    return _map_column(values, url_domain, pa.string())


def is_shortener_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`is_shortener` over a string column or a list-of-strings column."""
    return _map_column(values, is_shortener, pa.bool_())
