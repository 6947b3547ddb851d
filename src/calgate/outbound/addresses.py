"""Which outbound URLs and addresses calgate sends to (SSRF protection).

Two checks: ``check_url`` when a URL is accepted (no DNS: the scheme, no userinfo, and a host
given as an IP address in any spelling the resolver takes, ``127.1``, ``2130706433``,
``0x7f.1``, ``[::ffff:127.0.0.1]``), and ``resolve_safe`` at every connection, on what DNS
answers then (a name may point elsewhere since it was accepted). The caller connects to an
address ``resolve_safe`` returned, never resolving the name again.
"""

from __future__ import annotations

import re
import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

from calgate.errors import InvalidInput, UnsafeDestination

Address = IPv4Address | IPv6Address

URL_POINTER = "#/url"
# Cloud metadata services (AWS, GCP, Azure, ... on the link-local one; AWS's IPv6 one): refused
# even where private addresses are allowed, as no webhook receiver lives there.
METADATA = frozenset({IPv4Address("169.254.169.254"), IPv6Address("fd00:ec2::254")})
# What ipaddress has no property for: CGNAT (RFC 6598; ``is_global`` excludes it but no
# ``is_shared`` before Python 3.13's docs) and NAT64's well-known prefix (RFC 6052).
SHARED = IPv4Network("100.64.0.0/10")
NAT64 = IPv6Network("64:ff9b::/96")
# A host whose last label is a number is an IPv4 address to URL parsers and inet_aton alike.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)


def _invalid(detail: str) -> InvalidInput:
    return InvalidInput.field(URL_POINTER, detail)


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> None:
    """Refuse a URL calgate will not send to: InvalidInput at ``#/url``, UnsafeDestination when
    its host is an address (or ``localhost``) outside what ``allow_private`` permits."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = "https://" if not allow_http else "http:// or https://"
        raise _invalid(f"The URL must be an {shown} URL, not {scheme or 'one without a scheme'}.")
    if scheme == "http" and not allow_http:
        raise _invalid("The URL must be https (http is not allowed on this calgate).")
    if "@" in parts.netloc:
        raise _invalid("The URL may not hold a user name or password.")
    if not parts.hostname:
        raise _invalid("The URL has no host.")
    try:
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError:
        raise _invalid("The URL's port is not a number from 0 to 65535.") from None
    host = _as_resolved(parts.hostname).rstrip(".")
    literal = _literal_address(host)
    if literal is not None:
        _refuse_unsafe(literal, allow_private=allow_private)
    elif not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise UnsafeDestination("loopback")  # RFC 6761: always this machine


def resolve_safe(host: str, port: int, *, allow_private: bool) -> list[Address]:
    """The addresses ``host`` resolves to now, in the resolver's order; UnsafeDestination when
    any of them is unsafe (the connection could take any), InvalidInput when none is found."""
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise _invalid("The URL's host could not be resolved.") from exc
    found: list[Address] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            address = ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
    if not found:
        raise _invalid("The URL's host has no IP address.")
    for address in found:
        _refuse_unsafe(address, allow_private=allow_private)
    return found


def safe_addresses(
    url: str, *, allow_http: bool, allow_private: bool, must_resolve: bool
) -> list[Address]:
    """:func:`check_url`, then :func:`resolve_safe` of its host and port: the addresses a
    request to ``url`` may connect to now. A host that does not resolve is InvalidInput with
    ``must_resolve``, else no addresses (a name whose DNS is not set up yet)."""
    check_url(url, allow_http=allow_http, allow_private=allow_private)
    parts = urlsplit(url.strip())
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        return resolve_safe(parts.hostname or "", port, allow_private=allow_private)
    except UnsafeDestination:
        raise
    except InvalidInput:
        if must_resolve:
            raise
        return []


def unsafe_reason(address: Address, *, allow_private: bool) -> str | None:
    """Why calgate does not send to ``address`` (None: it does). An IPv6 form carrying an IPv4
    address (mapped, NAT64, 6to4) is judged by the IPv4 address it reaches."""
    if isinstance(address, IPv6Address):
        address = IPv6Address(int(address))  # drop a zone (%eth0): it changes no property
        inner = _embedded_ipv4(address)
        if inner is not None:
            return unsafe_reason(inner, allow_private=allow_private)
    if address in METADATA:
        return "cloud metadata"
    if allow_private:
        return None
    kinds = [
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("shared (CGNAT)", isinstance(address, IPv4Address) and address in SHARED),
        ("site-local", isinstance(address, IPv6Address) and address.is_site_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not global", not address.is_global),
    ]
    return next((kind for kind, matches in kinds if matches), None)


def _refuse_unsafe(address: Address, *, allow_private: bool) -> None:
    reason = unsafe_reason(address, allow_private=allow_private)
    if reason is not None:
        raise UnsafeDestination(reason)


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def _as_resolved(host: str) -> str:
    """The ASCII name getaddrinfo is given for ``host``: Python encodes a name with IDNA 2003,
    whose mapping makes fullwidth digits ASCII ones (``127.0.0.1``) and a circled l an l
    (``localhost``), so the literal checks run on that."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _invalid("The URL's host is not a valid name.") from None


def _literal_address(host: str) -> Address | None:
    """The address a URL's host spells, in any form the resolver accepts; None for a name."""
    try:
        return ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return None
    try:  # inet_aton: the legacy forms getaddrinfo accepts (127.1, 0x7f.1, 2130706433, octal)
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        raise _invalid("The URL's host is neither a name nor an IP address.") from None
