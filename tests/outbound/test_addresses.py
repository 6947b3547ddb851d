"""Webhook URLs that would reach calgate's own machine, its network or a cloud metadata service
are refused (SSRF), in every spelling the resolver accepts."""

from __future__ import annotations

import socket
from ipaddress import ip_address

import pytest

from calgate.errors import InvalidInput, UnsafeDestination
from calgate.outbound.addresses import check_url, resolve_safe, unsafe_reason


def _refused(url: str, **allow: bool) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_url(
            url, allow_http=allow.get("http", True), allow_private=allow.get("private", False)
        )
    assert [e.pointer for e in caught.value.errors] == ["#/url"]
    return caught.value


MALFORMED = [
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://example.com:70/",
    "javascript:alert(1)",
    "example.com/hook",  # no scheme
    "https://user:pw@example.com/",
    "https://user@example.com/",
    "https://@example.com/",
    "https:///hook",
    "https://",
    "https://example.com:99999/",
    "https://example.com:port/",
    "https://256.256.256.256/",  # numeric, but no IPv4 address
    "https://1.2.3.4.5/",
    "https://0x/",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_urls_are_refused(url):
    assert not isinstance(_refused(url), UnsafeDestination)


def test_http_only_when_allowed():
    _refused("http://93.184.215.14/hook", http=False)
    check_url("http://93.184.215.14/hook", allow_http=True, allow_private=False)
    check_url("HTTPS://93.184.215.14/hook", allow_http=False, allow_private=False)


HOSTILE = {
    "https://127.0.0.1/": "loopback",
    "https://127.1/": "loopback",  # inet_aton's short forms
    "https://2130706433/": "loopback",  # one 32-bit number
    "https://0x7f.1/": "loopback",  # hex
    "https://0x7f000001/": "loopback",
    "https://017700000001/": "loopback",  # octal
    "https://0177.0.0.1/": "loopback",
    "https://127.0.0.1.:8443/": "loopback",  # trailing dot
    "https://[::1]/": "loopback",
    "https://[::ffff:127.0.0.1]/": "loopback",  # IPv4-mapped
    "https://[::ffff:7f00:1]/": "loopback",
    "https://[64:ff9b::7f00:1]/": "loopback",  # NAT64
    "https://[2002:7f00:1::]/": "loopback",  # 6to4
    "https://0/": "unspecified",
    "https://0.0.0.0/": "unspecified",
    "https://[::]/": "unspecified",
    "https://169.254.169.254/latest/meta-data/": "cloud metadata",
    "https://[::ffff:169.254.169.254]/": "cloud metadata",
    "https://[2002:a9fe:a9fe::]/": "cloud metadata",
    "https://[fd00:ec2::254]/": "cloud metadata",
    "https://169.254.1.1/": "link-local",
    "https://[fe80::1]/": "link-local",
    "https://[fe80::1%25eth0]/": "link-local",
    "https://10.0.0.1/": "private",
    "https://172.16.5.4/": "private",
    "https://192.168.1.1/": "private",
    "https://[::ffff:192.168.1.1]/": "private",
    "https://198.18.0.1/": "private",  # benchmarking
    "https://[fc00::1]/": "private",  # unique local
    "https://[fd12:3456::1]/": "private",
    "https://100.64.0.1/": "shared (CGNAT)",
    "https://100.127.255.254/": "shared (CGNAT)",
    "https://[fec0::1]/": "site-local",
    "https://224.0.0.1/": "multicast",
    "https://[ff02::1]/": "multicast",
    "https://240.0.0.1/": "reserved",
    "https://255.255.255.255/": "reserved",
    "https://[::127.0.0.1]/": "reserved",  # IPv4-compatible, deprecated
    "https://[64:ff9b:1::1]/": "reserved",  # local-use NAT64
    "https://localhost/": "loopback",
    "https://LocalHost./": "loopback",
    "https://api.localhost/": "loopback",
    # what IDNA 2003 (Python's and so getaddrinfo's encoding of a name) maps to the above
    "https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/": "loopback",  # fullwidth digits
    "https://127\u30020\u30020\u30021/": "loopback",  # ideographic full stops
    "https://\u24dbocalhost/": "loopback",  # circled l
}


@pytest.mark.parametrize(("url", "reason"), HOSTILE.items())
def test_hostile_urls_are_refused_without_dns(url, reason):
    refused = _refused(url)
    assert isinstance(refused, UnsafeDestination)
    assert refused.reason == reason


PUBLIC = [
    "https://93.184.215.14/hook",
    "https://[2606:4700::1]/hook",
    "https://[::ffff:93.184.215.14]/",  # mapped, public inside
    "https://[64:ff9b::5db8:d70e]/",  # NAT64 of 93.184.215.14
    "https://[2002:5db8:d70e::1]/",  # 6to4 of 93.184.215.14
    "https://hooks.example.com:8443/calgate?x=1",  # a name: checked when resolved
    "https://8.8.8.8/",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_urls_pass(url):
    check_url(url, allow_http=False, allow_private=False)


@pytest.mark.parametrize("url", ["https://127.0.0.1/", "https://localhost/", "https://[::1]/"])
def test_private_allowed_by_the_setting(url):
    check_url(url, allow_http=False, allow_private=True)


@pytest.mark.parametrize(
    "url",
    ["https://169.254.169.254/", "https://[::ffff:169.254.169.254]/", "https://[fd00:ec2::254]/"],
)
def test_cloud_metadata_is_refused_even_when_private_is_allowed(url):
    assert _refused(url, private=True).reason == "cloud metadata"


def test_the_problem_does_not_name_the_address():
    refused = _refused("https://2130706433/")
    assert "127.0.0.1" not in refused.detail and "2130706433" not in refused.detail


# resolve_safe: what the resolver gives, at connect time


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "127.0.0.1",
        "2130706433",
        "0x7f.1",
        "127.1",
        "::ffff:127.0.0.1",
        "[::1]",
        "\uff11\uff12\uff17.\uff10.\uff10.\uff11",
    ],
)
def test_resolving_to_loopback_is_refused(host):
    with pytest.raises(UnsafeDestination) as caught:
        resolve_safe(host, 443, allow_private=False)
    assert caught.value.reason == "loopback"


def test_resolving_to_loopback_when_allowed_gives_the_addresses():
    found = resolve_safe("localhost", 8080, allow_private=True)
    assert ip_address("127.0.0.1") in found
    assert all(a.is_loopback for a in found)


@pytest.mark.parametrize(
    ("host", "expected"), [("93.184.215.14", "93.184.215.14"), ("2606:4700::1", "2606:4700::1")]
)
def test_public_literals_resolve_without_dns(host, expected):
    assert resolve_safe(host, 443, allow_private=False) == [ip_address(expected)]


def _fake_resolver(monkeypatch, *addresses: str) -> None:
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_one_unsafe_address_among_public_ones_refuses_the_name(monkeypatch):
    # a name with a public and a private A record: the connection could take either
    _fake_resolver(monkeypatch, "93.184.215.14", "10.1.2.3")
    with pytest.raises(UnsafeDestination):
        resolve_safe("rebind.example", 443, allow_private=False)


def test_duplicates_are_dropped_in_order(monkeypatch):
    _fake_resolver(monkeypatch, "93.184.215.14", "2606:4700::1", "93.184.215.14")
    assert resolve_safe("hooks.example", 443, allow_private=False) == [
        ip_address("93.184.215.14"),
        ip_address("2606:4700::1"),
    ]


def test_a_name_that_does_not_resolve_is_invalid_not_unsafe():
    with pytest.raises(InvalidInput) as caught:
        resolve_safe("nonexistent.invalid", 443, allow_private=False)
    assert not isinstance(caught.value, UnsafeDestination)


def test_unsafe_reason_is_none_for_public_addresses():
    assert unsafe_reason(ip_address("93.184.215.14"), allow_private=False) is None
    assert unsafe_reason(ip_address("10.0.0.1"), allow_private=True) is None


@pytest.mark.parametrize(
    ("allow_http", "says"), [(False, "an https:// URL, not ftp"), (True, "an http:// or https://")]
)
def test_another_scheme_is_refused_naming_the_ones_allowed(allow_http, says):
    with pytest.raises(InvalidInput) as refused:
        check_url("ftp://files.example.org/a.ics", allow_http=allow_http, allow_private=False)
    assert says in refused.value.detail
