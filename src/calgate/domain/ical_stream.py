"""Stored calendar objects as parts of one published or exported VCALENDAR (pure, no I/O).

An export must keep each object as the server stores it (X- properties, VALARMs, EXDATE, RDATE,
RECURRENCE-ID, parameters icalendar would respell), and a feed must give the same bytes for the
same data. So objects are cut into their components as text, never parsed and written again:
each top-level component of the object's VCALENDAR is a :class:`Block` of its physical lines
(folds kept), with its logical (unfolded) lines beside them to read names and parameters.

``busy_blocks`` gives the free/busy-only form of one object, from a whitelist: only what places
an event in time stays (no title, description, place, people, alarms, X- properties).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

CRLF = "\r\n"
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class Line:
    """One content line: unfolded, and as the object spells it (its physical lines)."""

    logical: str
    physical: tuple[str, ...]

    @property
    def name(self) -> str:
        return property_name(self.logical)


@dataclass(frozen=True)
class Block:
    """One component directly inside the object's VCALENDAR (BEGIN and END lines included)."""

    name: str
    lines: tuple[Line, ...]

    def text(self) -> str:
        return "".join(p + CRLF for line in self.lines for p in line.physical)

    def own_lines(self) -> list[Line]:
        """The component's own properties: none of its subcomponents' (VALARM ...)."""
        out, depth = [], 0
        for line in self.lines[1:-1]:
            name = line.name
            if name == "BEGIN":
                depth += 1
            elif name == "END":
                depth -= 1
            elif depth == 0:
                out.append(line)
        return out

    def value_of(self, name: str) -> str | None:
        for line in self.own_lines():
            if line.name == name:
                return split_line(line.logical)[2]
        return None


def property_name(logical: str) -> str:
    end = len(logical)
    for sep in (";", ":"):
        at = logical.find(sep)
        if at != -1:
            end = min(end, at)
    return logical[:end].strip().upper()


def split_line(logical: str) -> tuple[str, list[tuple[str, str]], str]:
    """(name, [(PARAM, value)], value) of a content line; quoted parameter values may hold
    ``;`` ``:`` and ``,`` (RFC 5545 3.1). A line without a colon has an empty value."""
    name_end = len(logical)
    for i, char in enumerate(logical):
        if char in ";:":
            name_end = i
            break
    name, params, i = logical[:name_end].upper(), [], name_end
    while i < len(logical) and logical[i] == ";":
        eq = logical.find("=", i)
        if eq == -1:
            break
        key, j, quoted, start = logical[i + 1 : eq].upper(), eq + 1, False, eq + 1
        while j < len(logical):
            char = logical[j]
            if char == '"':
                quoted = not quoted
            elif not quoted and char in ";:":
                break
            j += 1
        params.append((key, logical[start:j]))
        i = j
    value = logical[i + 1 :] if i < len(logical) and logical[i] == ":" else ""
    return name, params, value


def _lines(text: str) -> list[Line]:
    out: list[Line] = []
    for raw in _LINE_BREAK.split(text):
        if raw[:1] in (" ", "\t") and out:
            last = out[-1]
            out[-1] = Line(last.logical + raw[1:], (*last.physical, raw))
        elif raw.strip():
            out.append(Line(raw, (raw,)))
    return out


def blocks(text: str) -> list[Block]:
    """The components directly inside the object's VCALENDAR(s), in order. Lines outside any
    component (calendar properties) are left out, as is an unclosed component at the end."""
    found: list[Block] = []
    current: list[Line] = []
    depth = 0
    for line in _lines(text):
        name = line.name
        if name == "BEGIN":
            depth += 1
            if depth >= 2:
                current.append(line)
        elif name == "END":
            if depth >= 2:
                current.append(line)
                if depth == 2:
                    kind = split_line(current[0].logical)[2].strip().upper()
                    found.append(Block(kind, tuple(current)))
                    current = []
            depth = max(depth - 1, 0)
        elif depth >= 2:
            current.append(line)
    return found


def tzids(block: Block) -> list[str]:
    """The TZIDs the block's properties name, in order of first use (unquoted)."""
    seen: dict[str, None] = {}
    for line in block.lines:
        for key, value in split_line(line.logical)[1]:
            if key == "TZID":
                seen.setdefault(value.strip('"'), None)
    return list(seen)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def content_line(text: str) -> str:
    """One content line, folded at 75 octets (never inside a UTF-8 character), with its
    CRLF (RFC 5545 3.1)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode())
        if size + width > 75:
            pieces.append("".join(current))
            current, size = [" "], 1  # a continuation line starts with one space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return CRLF.join(pieces) + CRLF


def head(prodid: str, properties: Iterable[tuple[str, str]]) -> str:
    """``BEGIN:VCALENDAR`` with VERSION, PRODID and the given (name-with-params, value)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}"]
    lines.extend(f"{name}:{value}" for name, value in properties)
    return "".join(content_line(line) for line in lines)


TAIL = "END:VCALENDAR" + CRLF

# -- the busy form -------------------------------------------------------------------------
# what places an event in time and nothing else (plus the two properties RFC 5545 requires)
_BUSY_KEEP = frozenset(
    {
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "TRANSP",
        "STATUS",
        "DTSTAMP",
    }
)
_BUSY_PARAMS = frozenset({"TZID", "VALUE", "RANGE"})


def hashed_uid(key: str, uid: str) -> str:
    """A UID that keeps a series together without telling its real one (keyed per feed, so
    two feeds cannot be matched up by their UIDs)."""
    return hashlib.sha256(f"{key}\0{uid}".encode()).hexdigest()[:32] + "@busy.calgate"


def blocks_time(block: Block) -> bool:
    """Whether the event blocks time: not TRANSPARENT and not CANCELLED (as free/busy says)."""
    transp = (block.value_of("TRANSP") or "OPAQUE").strip().upper()
    status = (block.value_of("STATUS") or "").strip().upper()
    return transp != "TRANSPARENT" and status != "CANCELLED"


def _exdate_for(line: Line) -> str:
    """An EXDATE with an override's RECURRENCE-ID (its TZID and VALUE kept, RANGE dropped)."""
    _, params, value = split_line(line.logical)
    kept = "".join(f";{k}={v}" for k, v in params if k in ("TZID", "VALUE"))
    return f"EXDATE{kept}:{value}"


def _bare(line: Line) -> str:
    """A kept property with only the parameters that say what its value means (an X- or
    other parameter may carry anything)."""
    name, params, value = split_line(line.logical)
    kept = "".join(f";{k}={v}" for k, v in params if k in _BUSY_PARAMS)
    return f"{name}{kept}:{value}"


def busy_blocks(object_blocks: list[Block], uid_for: Callable[[str], str]) -> list[str]:
    """The VEVENTs of one object as busy time only, each as text. Events that do not block
    time are left out; a free override of a busy series becomes an EXDATE of the master (else
    the master's occurrence would show busy again). ``uid_for`` maps the stored UID."""
    events = [b for b in object_blocks if b.name == "VEVENT"]
    freed: list[Line] = []
    for event in events:
        rid = next((line for line in event.own_lines() if line.name == "RECURRENCE-ID"), None)
        if rid is not None and not blocks_time(event):
            freed.append(rid)
    out = []
    for event in events:
        if not blocks_time(event):
            continue
        own = event.own_lines()
        is_master = not any(line.name == "RECURRENCE-ID" for line in own)
        lines = [event.lines[0].logical]
        lines.append("UID:" + uid_for(event.value_of("UID") or ""))
        lines.append("SUMMARY:Busy")
        lines.extend(_bare(line) for line in own if line.name in _BUSY_KEEP)
        if is_master:
            lines.extend(_exdate_for(rid) for rid in freed)
        lines.append(event.lines[-1].logical)
        out.append("".join(content_line(line) for line in lines))
    return out


__all__ = [
    "CRLF",
    "TAIL",
    "Block",
    "Line",
    "blocks",
    "blocks_time",
    "busy_blocks",
    "content_line",
    "escape_text",
    "hashed_uid",
    "head",
    "split_line",
    "tzids",
]
