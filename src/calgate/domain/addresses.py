"""Values that become iCalendar other than TEXT: one-line values (parameter values such as
CN and LANGUAGE, ids, labels), URIs, and e-mail addresses.

A parameter value or an id cannot hold a line break (RFC 5545 3.1: a content line ends at CRLF;
``^n`` of RFC 6868 exists, but a name, id or label on two lines is a mistake or an attack, so
calgate refuses it). A URI holds no whitespace or control characters at all (RFC 3986).

E-mail addresses calgate may store as someone's address and send mail to: exactly one
addr-spec (``local@domain``), nothing an address list or a header could read as more.

RFC 5322 lets an address carry a display name, comments, quoted local parts and lists
(``Ann <a@x>, b@y``); every one of those is a way to make one stored value name two recipients
(``victim@example.org>,<attacker@evil.example``), so calgate takes only the plain form: no
whitespace or control characters, none of the specials ``<>()[]\\,;:"``, one ``@`` with a
non-empty local part and a domain name (letters, digits, ``-``; dot-separated labels).
Non-ASCII letters are allowed (RFC 6531 addresses); the SMTP server decides whether it takes
them.
"""

from __future__ import annotations

import unicodedata

SPECIALS = frozenset('<>()[]\\,;:"')
"""RFC 5322 3.2.3 specials other than ``@`` and ``.``."""

_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
_BREAKS = frozenset({"Cc", "Zl", "Zp"})  # controls (CR, LF, NUL, U+0085...) and separators


def line_problem(value: str) -> str | None:
    """Why ``value`` cannot be a one-line iCalendar value (a parameter, an id), or None."""
    bad = next((c for c in value if unicodedata.category(c) in _BREAKS), None)
    if bad is None:
        return None
    return f"must be one line without control characters (U+{ord(bad):04X} found)"


def uri_problem(value: str) -> str | None:
    """Why ``value`` cannot be a URI value, or None (only what would break the line or the
    value: whitespace and control characters; the scheme is the client's business)."""
    bad = next((c for c in value if c.isspace() or unicodedata.category(c) in _INVISIBLE), None)
    if bad is None:
        return None
    return f"a URI holds no whitespace or control characters (U+{ord(bad):04X} found)"


def address_problem(value: str, *, spaces: bool = False) -> str | None:
    """Why ``value`` is not one plain e-mail address, or None when it is. ``spaces`` tolerates
    inner spaces (stored calendar addresses such as ``Meeting Room@example.org`` hold them;
    calgate never mails those)."""
    if not value:
        return "an e-mail address must not be empty"
    for char in value:
        if unicodedata.category(char) in _INVISIBLE or (char.isspace() and char != " "):
            return (
                f"an e-mail address must be one line without control characters "
                f"(U+{ord(char):04X} found)"
            )
        if char == " " and not spaces:
            return "an e-mail address must not contain spaces"
        if char in SPECIALS:
            return (
                f"an e-mail address is one address like ann@example.org, without a name, "
                f"quotes or a second address ({char!r} found)"
            )
    local, at, domain = value.rpartition("@")
    if not at or not local or "@" in local:
        return f"{value!r} is not one e-mail address like ann@example.org"
    if any(not part for part in local.split(".")) or any(not x for x in domain.split(".")):
        return f"{value!r} is not an e-mail address like ann@example.org (an empty part)"
    if not all(c.isalnum() or c in "-." for c in domain):
        return f"{value!r} is not an e-mail address: its domain holds only letters, digits, - and ."
    return None
