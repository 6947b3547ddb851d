"""One spelling for every URL calgate keeps: hrefs from any server, resolved and normalized.

calgate stores hrefs as keys (index rows, ETag checks), so the same resource must always get the
same string, whichever way a server chose to percent-encode it:

- relative hrefs are resolved against the URL of the request that returned them;
- percent-escapes of characters that may stand bare in a path (RFC 3986 ``pchar``, including
  ``@``) are decoded, other escapes get upper-case hex, characters that may not stand bare are
  encoded; ``%2F`` stays encoded (decoding it would change the path's segments);
- Confluence Team Calendars double-encode ``@`` as ``%2540`` in the hrefs they send; that is read
  as ``@``, which Confluence accepts back (as the caldav library does).
"""

from __future__ import annotations

import re
import string
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

_BARE = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/"
_DECODABLE = frozenset(_BARE) - {"/"}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def normalize_path(path: str) -> str:
    path = path.replace("%2540", "%40")
    out: list[str] = []
    pos = 0
    for match in _ESCAPE.finditer(path):
        out.append(quote(path[pos : match.start()], safe=_BARE))
        char = chr(int(match.group(1), 16))
        out.append(char if char in _DECODABLE else "%" + match.group(1).upper())
        pos = match.end()
    out.append(quote(path[pos:], safe=_BARE))
    return "".join(out)


def resolve_href(base: str, href: str) -> str:
    """``href`` (absolute URL, absolute path or relative path) as an absolute, normalized URL."""
    parts = urlsplit(urljoin(base, href.strip()))
    path = normalize_path(parts.path or "/")
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, parts.query, ""))


def as_collection(url: str) -> str:
    """``url`` with the trailing slash a collection's members resolve against."""
    return url if url.endswith("/") else url + "/"


def path_key(href: str) -> str:
    """A normalized href without scheme and host: how the index keys an object, so that every
    calgate process agrees (the embedded store's internal address differs per process)."""
    return urlsplit(href).path or "/"


def same_resource(a: str, b: str) -> bool:
    """Whether two normalized URLs name the same resource (a trailing slash does not count)."""
    return a.rstrip("/") == b.rstrip("/")


def without_user_info(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def public_url(url: str) -> str:
    """``url`` fit for an error message: no user name, password, query or fragment."""
    parts = urlsplit(url)
    host, port = _host_port(parts)
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _host_port(parts: SplitResult) -> tuple[str, int | None]:
    """The host (in brackets when IPv6, lower case) and port, without user info."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return host, port


_DEFAULT_PORTS = {"http": 80, "https": 443}


def collection_key(url: str) -> str:
    """What every spelling of one collection's absolute URL has in common: the normalized
    path without its trailing slash, the host in lower case, no user info, no default port.
    Two sources whose calendars share a key lead to the same calendar."""
    parts = urlsplit(resolve_href(url, url))
    host, port = _host_port(parts)
    netloc = host if port in (None, _DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") or "/", parts.query, ""))
