"""One spelling per URL (RFC 3986 section 6.2.2 normalization, plus the Confluence ``%2540``)."""

from __future__ import annotations

import pytest

from calgate.upstream.hrefs import collection_key, normalize_path, public_url, resolve_href

BASE = "https://cal.example.com/dav/alice/work/"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("e1.ics", BASE + "e1.ics"),
        ("/dav/alice/work/e1.ics", BASE + "e1.ics"),
        ("https://cal.example.com/dav/alice/work/e1.ics", BASE + "e1.ics"),
        ("HTTPS://cal.example.com/dav/alice/work/e1.ics", BASE + "e1.ics"),
        ("../home/", "https://cal.example.com/dav/alice/home/"),
        ("  e1.ics\n", BASE + "e1.ics"),
    ],
)
def test_rfc3986_5_2_hrefs_resolve_against_the_base(href: str, expected: str) -> None:
    assert resolve_href(BASE, href) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b%20c.ics", "/a/b%20c.ics"),
        ("/a/b c.ics", "/a/b%20c.ics"),
        ("/a/%7euser/%41.ics", "/a/~user/A.ics"),  # unreserved escapes decoded
        ("/a/b%2fc", "/a/b%2Fc"),  # an encoded slash stays one segment
        ("/u/alice%40example.com/", "/u/alice@example.com/"),
        ("/u/alice@example.com/", "/u/alice@example.com/"),
        ("/u/alice%2540example.com/", "/u/alice@example.com/"),  # Confluence
        ("/caf%c3%a9/", "/caf%C3%A9/"),
        ("/café/", "/caf%C3%A9/"),
        ("/100%/", "/100%25/"),
    ],
)
def test_rfc3986_6_2_2_paths_are_normalized(path: str, expected: str) -> None:
    assert normalize_path(path) == expected
    assert normalize_path(expected) == expected  # idempotent


def test_public_url_drops_user_info_and_query() -> None:
    url = "https://bob:hunter2@cal.example.com:8443/dav/?token=abc#x"
    assert public_url(url) == "https://cal.example.com:8443/dav/"


@pytest.mark.parametrize(
    "spelling",
    [
        "https://cal.example.com/dav/alice@example.com/work/",
        "https://cal.example.com/dav/alice@example.com/work",
        "https://cal.example.com:443/dav/alice@example.com/work/",
        "https://CAL.Example.com/dav/alice%40example.com/work/",
        "https://cal.example.com/dav/alice%2540example.com/work/",
        "https://ann:secret@cal.example.com/dav/%61lice@example.com/work/",
    ],
)
def test_collection_key_is_the_same_for_every_spelling(spelling):
    assert collection_key(spelling) == "https://cal.example.com/dav/alice@example.com/work"


@pytest.mark.parametrize(
    "other",
    [
        "http://cal.example.com/dav/alice@example.com/work/",
        "https://cal.example.com:8443/dav/alice@example.com/work/",
        "https://cal.example.com/dav/alice@example.com/Work/",
        "https://cal.example.com/dav/alice@example.com/work/x/",
    ],
)
def test_collection_key_tells_other_collections_apart(other):
    assert collection_key(other) != collection_key(
        "https://cal.example.com/dav/alice@example.com/work/"
    )
