"""Links and virtual locations: :class:`LinksEditor`, the editor's URL / ATTACH / LINK / IMAGE and
CONFERENCE part.
"""

from __future__ import annotations

from typing import Any

from icalendar import (
    vUri,
)
from icalendar.parser import Parameters
from icalendar.prop import vBroken

from calgate.domain.ical_edit import EventEditor
from calgate.domain.ical_parse import (
    first,
    props,
)
from calgate.domain.jscal_types import JsEvent, JsLink, JsVirtualLocation
from calgate.domain.jscal_write.checker import is_int
from calgate.domain.jscal_write.params import param_text, put_text_param


class LinksEditor(EventEditor):
    """The links (URL, ATTACH, LINK, IMAGE) and virtual locations (CONFERENCE) of a JSCalendar
    Event."""

    obj: JsEvent

    def _conferences(self) -> None:
        wanted = self.obj.get("virtualLocations")
        if wanted is None:
            return  # an absent virtualLocations keeps every CONFERENCE (as links)
        stored = props(self.event, "CONFERENCE")
        shown = [v for v in stored if str(v).strip() and not isinstance(v, vBroken)]
        by_uri: dict[str, Any] = {}
        for value in shown:
            by_uri.setdefault(str(value).strip(), value)
        result = [
            _conference(virtual, by_uri.pop(virtual["uri"].strip(), None))
            for virtual in wanted.values()
        ]
        result += [v for v in stored if not any(v is s for s in shown)]  # unreadable: kept
        if len(result) == len(stored) and all(a is b for a, b in zip(result, stored, strict=True)):
            return
        self._set("CONFERENCE", result)

    def _links(self) -> None:
        links = self.obj.get("links")
        if links is None:
            return
        url = first(self.event, "URL")
        attaches = props(self.event, "ATTACH")
        by_href = {str(a): a for a in attaches if not _binary(a)}
        # LINK and IMAGE (RFC 9253, 7986) are read as links: a named one stays as stored
        others = {
            name: [v for v in props(self.event, name) if not isinstance(v, vBroken)]
            for name in ("LINK", "IMAGE")
        }
        shown_others = {
            str(v).strip() for values in others.values() for v in values if not _binary(v)
        }
        wanted_url: Any = None
        new_attach: list[Any] = []
        new_links: list[Any] = []
        for _, link in links.items():
            href = link["href"]
            if href in shown_others:
                continue
            if url is not None and wanted_url is None and str(url) == href:
                wanted_url = url
                continue
            if href in by_href:
                new_attach.append(by_href.pop(href))
                continue
            if link.get("rel") and link["rel"] != "enclosure":
                new_links.append(_new_link(link))  # RFC 9253 LINK: its LINKREL reads back
                continue
            new_attach.append(_new_attach(link))  # not URL: the reader does not show URL
        result = new_attach + [a for a in attaches if _binary(a)]  # inline data is unmodelled
        if wanted_url is not url:
            self._remove("URL")
            if wanted_url is not None:
                self.event.add("URL", wanted_url)
            self.changed = True
        if len(result) != len(attaches) or any(
            a is not b for a, b in zip(result, attaches, strict=True)
        ):
            self.event.pop("ATTACH", None)
            for value in result:
                self.event.add("ATTACH", value)
            self.changed = True
        hrefs = {link["href"] for link in links.values()}
        for name, values in others.items():
            kept = [v for v in values if _binary(v) or str(v).strip() in hrefs]
            if name == "LINK":
                kept += new_links
            if len(kept) != len(values):
                self.event.pop(name, None)
                for value in kept:
                    self.event.add(name, value)
                self.changed = True


def _conference(virtual: JsVirtualLocation, current: Any) -> Any:
    """The CONFERENCE for a VirtualLocation: ``current`` (the stored one of its URI) when its
    meaning stays, else a copy with its other parameters kept."""
    value = vUri(virtual["uri"].strip())
    if current is None:
        value.params["VALUE"] = "URI"  # RFC 7986 6.3: CONFERENCE is a URI
    else:
        value.params = Parameters(dict(current.params))
    put_text_param(value.params, "LABEL", virtual.get("name"), current)
    features = sorted(f for f, on in (virtual.get("features") or {}).items() if on)
    stored = (param_text(current, "FEATURE") or "").split(",") if current is not None else []
    if {f.strip().lower() for f in stored if f.strip()} != set(features):
        if features:
            value.params["FEATURE"] = [f.upper() for f in features]
        else:
            value.params.pop("FEATURE", None)
    if current is not None and dict(value.params) == dict(current.params):
        return current
    return value


def _binary(value: Any) -> bool:
    params = getattr(value, "params", None) or {}
    return str(params.get("VALUE", "")).upper() == "BINARY" or "ENCODING" in params


def _new_attach(link: JsLink) -> Any:
    value = vUri(link["href"])
    if link.get("contentType"):
        value.params["FMTTYPE"] = link["contentType"]
    if link.get("title"):
        value.params["LABEL"] = link["title"]
    if is_int(link.get("size")) and link["size"] >= 0:
        value.params["SIZE"] = str(link["size"])
    return value


def _new_link(link: JsLink) -> Any:
    """A LINK (RFC 9253) for a link with a ``rel`` other than enclosure."""
    value = _new_attach(link)
    value.params["LINKREL"] = link["rel"]
    value.params["VALUE"] = "URI"
    return value
