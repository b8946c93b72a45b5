"""URL canonicalisation (voxpop.enrich.urls)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls

from voxpop.enrich.urls import (
    canonical_url,
    canonical_url_array,
    is_shortener,
    is_shortener_array,
    url_domain,
    url_domain_array,
    url_key,
    url_key_array,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Case of scheme and host, default ports, empty path, fragments.
        ("HTTPS://WWW.Example.COM/Path", "https://www.example.com/Path"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:/a", "http://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/#!/route/1", "https://example.com/#!/route/1"),
        ("https://example.com/#/inbox", "https://example.com/#/inbox"),
        # Tracking parameters, whatever their case or escaping; the rest kept in order.
        ("https://a.com/x?utm_source=tw&utm_medium=social&id=7", "https://a.com/x?id=7"),
        ("https://a.com/x?b=2&fbclid=IwAR0&a=1", "https://a.com/x?b=2&a=1"),
        ("https://a.com/?gclid=1&igshid=2&mc_cid=3&mc_eid=4", "https://a.com/"),
        ("https://a.com/?yclid=1&msclkid=2&dclid=3&twclid=4&_ga=5&ref_src=6", "https://a.com/"),
        ("https://a.com/?UTM_Campaign=x&q=1", "https://a.com/?q=1"),
        ("https://a.com/?utm%5Fsource=x&q=1", "https://a.com/?q=1"),
        ("https://a.com/?q=&&x", "https://a.com/?q=&x"),
        ("https://a.com/?z=1&a=2", "https://a.com/?z=1&a=2"),
        # Site-specific share markers only on their site.
        ("https://x.com/u/status/1?s=20&t=abc", "https://x.com/u/status/1"),
        ("https://twitter.com/u/status/1?ref_src=twsrc", "https://twitter.com/u/status/1"),
        ("https://other.org/?s=20&t=abc", "https://other.org/?s=20&t=abc"),
        ("https://www.youtube.com/watch?v=abc&si=xyz", "https://www.youtube.com/watch?v=abc"),
        ("https://m.youtube.com/watch?v=abc&feature=share", "https://www.youtube.com/watch?v=abc"),
        (
            "https://youtu.be/dQw4w9WgXcQ?si=a&t=42",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42",
        ),
        ("http://youtu.be/abc", "https://www.youtube.com/watch?v=abc"),
        # Percent-escapes: unreserved decoded, others upper-cased.
        ("https://a.com/%7euser/%41", "https://a.com/~user/A"),
        ("https://a.com/caf%c3%a9?q=%c3%a9", "https://a.com/caf%C3%A9?q=%C3%A9"),
        ("https://a.com/a%2Fb", "https://a.com/a%2Fb"),
        # Scheme-less URLs.
        ("example.com/path?gclid=1", "http://example.com/path"),
        ("www.Example.com", "http://www.example.com/"),
        ("//cdn.example.com/x.js", "http://cdn.example.com/x.js"),
        # IPv6, user info.
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://User:pw@A.com/", "http://User:pw@a.com/"),
        # Other schemes and garbage: never raise, returned stripped.
        ("MAILTO:Foo@Bar.com", "mailto:Foo@Bar.com"),
        ("ftp://X.org/F", "ftp://X.org/F"),
        ("  not a url  ", "not a url"),
        ("http://a.com:99999/", "http://a.com:99999/"),
        ("http://[::1/", "http://[::1/"),
        ("http://", "http://"),
        ("", ""),
        ("https://t.co/abc", "https://t.co/abc"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://www.example.com/a?utm_source=x", "example.com/a"),
        ("https://example.com/a", "example.com/a"),
        ("https://youtu.be/abc", "youtube.com/watch?v=abc"),
        ("mailto:x@y.z", "mailto:x@y.z"),
        ("garbage", "garbage"),
    ],
)
def test_url_key(url: str, key: str) -> None:
    assert url_key(url) == key


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://WWW.Example.com:8080/a", "example.com"),
        ("https://news.bbc.co.uk/x", "news.bbc.co.uk"),
        ("example.org/x", "example.org"),
        ("http://[2001:db8::1]/", "[2001:db8::1]"),
        ("mailto:someone@example.com", ""),
        ("not a url", ""),
        ("", ""),
    ],
)
def test_url_domain(url: str, domain: str) -> None:
    assert url_domain(url) == domain


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://bit.ly/3abc", True),
        ("http://t.co/xyz", True),
        ("https://www.tinyurl.com/y", True),
        ("https://BUFF.LY/q", True),
        ("https://dlvr.it/a", True),
        ("https://ift.tt/a", True),
        ("https://trib.al/a", True),
        ("https://fb.me/a", True),
        ("https://lnkd.in/a", True),
        ("ow.ly/a", True),
        ("https://youtu.be/abc", False),
        ("https://bitly.example.com/a", False),
        ("https://example.com/bit.ly", False),
        ("garbage", False),
    ],
)
def test_is_shortener(url: str, short: bool) -> None:
    assert is_shortener(url) is short


def test_array_helpers_on_strings_and_lists() -> None:
    strings = pa.array(["HTTP://A.com/?utm_source=1", None, "https://bit.ly/x"])
    assert canonical_url_array(strings).to_pylist() == ["http://a.com/", None, "https://bit.ly/x"]
    assert url_domain_array(strings).to_pylist() == ["a.com", None, "bit.ly"]
    assert is_shortener_array(strings).to_pylist() == [False, None, True]
    lists = pa.array(
        [["https://www.A.com/x#f", "https://t.co/1"], None, [], ["example.org"]],
        pa.list_(pa.string()),
    )
    assert url_key_array(lists).to_pylist() == [["a.com/x", "t.co/1"], None, [], ["example.org/"]]
    # A sliced, chunked column keeps its shape.
    chunked = pa.chunked_array([lists.slice(1)])
    assert canonical_url_array(chunked).to_pylist() == [None, [], ["http://example.org/"]]


_URLISH = st.one_of(
    urls(),
    st.text(max_size=60),
    st.builds(
        "{}://{}{}/{}?{}#{}".format,
        st.sampled_from(["http", "HTTPS", "ftp", "", "javascript"]),
        st.text(max_size=15),
        st.sampled_from(["", ":80", ":443", ":8080", ":x", ":99999", "."]),
        st.text(max_size=15),
        st.lists(
            st.sampled_from(["utm_source=a", "a=1", "%7e=%7E", "fbclid=", "=", "&", "si=1"]),
            max_size=5,
        ).map("&".join),
        st.text(max_size=5),
    ),
)


@settings(max_examples=400)
@given(_URLISH)
def test_canonical_url_never_raises_and_is_idempotent(url: str) -> None:
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical
    assert url_key(canonical) == url_key(url)
    url_domain(url)
    is_shortener(url)
