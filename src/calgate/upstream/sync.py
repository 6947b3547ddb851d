"""Keeping up with a calendar without downloading it: RFC 6578 sync-collection (hrefs and ETags
only), RFC 4791 calendar-multiget in batches for the objects that changed, and the ctag for
servers without sync tokens.

Server differences handled here (see also ``quirks``):

- a refused sync token: Radicale and Cyrus answer 403, Xandikos 412, all with
  ``DAV:valid-sync-token`` (``errors.sync_refused``);
- no sync-collection at all: SabreDAV 1.8 answers 403 with ``DAV:supported-report``;
- a truncated answer (RFC 6578 section 3.6: 507 on the collection's own response, Cyrus when
  asked for a ``DAV:limit``) is followed with the token it carries until it is complete;
- a multiget naming one missing object: the others answer 200 and it 404, except on SabreDAV
  1.8, which fails the whole REPORT with 404; the batch is then halved until the missing
  objects are found (after checking the calendar itself still exists).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from calgate.errors import UpstreamError
from calgate.upstream import davxml
from calgate.upstream.errors import sync_refused, sync_unsupported, translated, upstream_error
from calgate.upstream.hrefs import as_collection, resolve_href, same_resource
from calgate.upstream.models import RemoteObject, SyncDelta
from calgate.upstream.transport import DavTransport

MULTIGET_BATCH = 100  # hrefs per calendar-multiget REPORT
MAX_SYNC_PAGES = 10_000  # a server that truncates forever is broken, not slow


def _is_object(href: str, collection: str) -> bool:
    """A calendar object resource of ``collection``: not the collection, not a sub-collection."""
    return not href.endswith("/") and not same_resource(href, collection)


# -- sync-collection --------------------------------------------------------------------------


def sync_collection(conn: DavTransport, calendar_url: str, token: str | None) -> SyncDelta:
    url = conn.resolve(calendar_url)
    changed: dict[str, str | None] = {}
    deleted: dict[str, None] = {}  # an ordered set
    current = token or None
    for _ in range(MAX_SYNC_PAGES):
        page_changed, page_deleted, new_token, truncated = _sync_page(conn, url, current)
        for href, etag in page_changed.items():
            deleted.pop(href, None)
            changed[href] = etag
        for href in page_deleted:
            changed.pop(href, None)
            deleted[href] = None
        if not truncated:
            return SyncDelta(changed=changed, deleted=list(deleted), token=new_token)
        if new_token == current:
            break
        current = new_token
    raise UpstreamError("The CalDAV server kept truncating the calendar's sync-collection answer.")


def _sync_page(
    conn: DavTransport, url: str, token: str | None
) -> tuple[dict[str, str | None], list[str], str, bool]:
    """One sync-collection REPORT: (changed, deleted, new token, truncated)."""
    response = conn.report(url, davxml.sync_collection_body(token), depth=0)
    if not 200 <= response.status < 300:
        raise sync_refused(url, token=token, status=response.status, body=response.raw)
    base = as_collection(url)
    with translated(url):
        resources = davxml.parse_multistatus(response.tree, base)
        new_token = davxml.sync_token_of(response.tree)
    if new_token is None:
        raise sync_unsupported(url, response.status)
    changed: dict[str, str | None] = {}
    deleted: list[str] = []
    truncated = False
    for r in resources:
        if same_resource(r.href, base):
            # RFC 6578 section 3.6: the collection itself, 507, means "there is more".
            truncated = truncated or r.status == 507
            truncated = truncated or davxml.NUMBER_OF_MATCHES_WITHIN_LIMITS in r.errors
        elif not _is_object(r.href, base):
            continue
        elif r.status == 404:
            deleted.append(r.href)
        elif r.ok:
            changed[r.href] = r.text(davxml.GETETAG)
    return changed, deleted, new_token, truncated


# -- calendar-multiget ------------------------------------------------------------------------


def multiget(
    conn: DavTransport, calendar_url: str, hrefs: list[str], *, batch_size: int
) -> list[RemoteObject]:
    """The objects at ``hrefs`` that exist, in the order asked; hrefs are absolute or relative
    to the calendar."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    fetch = _Multiget(conn, conn.resolve(calendar_url))
    wanted = list(dict.fromkeys(resolve_href(fetch.base, h) for h in hrefs))
    found: dict[str, RemoteObject] = {}
    for start in range(0, len(wanted), batch_size):
        for obj in fetch(wanted[start : start + batch_size]):
            found.setdefault(obj.href, obj)
    ordered = [found.pop(h) for h in wanted if h in found]
    return ordered + list(found.values())  # any the server spelled its own way


class _Multiget:
    def __init__(self, conn: DavTransport, url: str) -> None:
        self.conn = conn
        self.url = url
        self.base = as_collection(url)
        self.calendar_exists = False

    def __call__(self, batch: list[str]) -> list[RemoteObject]:
        body = davxml.multiget_body(_wire(h, self.url) for h in batch)
        response = self.conn.report(self.url, body, depth=1)
        if response.status == 404:
            # SabreDAV 1.8 fails the whole REPORT for one missing href: halve the batch, once
            # sure the 404 is not about the calendar itself (NotFound then).
            if not self.calendar_exists:
                self.conn.propfind(self.url, [davxml.RESOURCETYPE], depth=0)
                self.calendar_exists = True
            if len(batch) == 1:
                return []
            half = len(batch) // 2
            return self(batch[:half]) + self(batch[half:])
        if not 200 <= response.status < 300:
            raise upstream_error(self.url, status=response.status, body=response.raw)
        with translated(self.url):
            resources = davxml.parse_multistatus(response.tree, self.base)
        self.calendar_exists = True
        out = []
        for r in resources:
            data = r.calendar_data()
            if r.ok and data and _is_object(r.href, self.base):
                out.append(RemoteObject(href=r.href, etag=r.text(davxml.GETETAG), ical=data))
        return out


def _wire(href: str, url: str) -> str:
    """``href`` as a multiget names it: the path when on the calendar's server, else whole."""
    ours, theirs = urlsplit(url), urlsplit(href)
    if (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc):
        return theirs.path
    return href


# -- ctag ---------------------------------------------------------------------------------------


def ctag(conn: DavTransport, calendar_url: str) -> str | None:
    url = conn.resolve(calendar_url)
    found = conn.propfind(url, [davxml.GETCTAG, davxml.SYNC_TOKEN], depth=0)
    me = next((r for r in found if r.ok and same_resource(r.href, url)), None) or next(
        (r for r in found if r.ok), None
    )
    if me is None:
        return None
    return me.text(davxml.GETCTAG) or me.text(davxml.SYNC_TOKEN)
