"""The vendored scripts under the policy the UI is served with, ``default-src 'self'``: no
inline script or style, no eval. Setting ``element.style`` from a script is allowed; a
``<style>`` element or a ``style="..."`` attribute parsed from HTML is refused (and logged as
a violation, which fails the test through the page watch)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.ui.browser import shot
from tests.ui.conftest import Pages
from tests.ui.static_server import serve_folder

VENDOR = Path(__file__).parents[2] / "src/calgate/ui/static/vendor"
CSP = "default-src 'self'"

CALENDAR_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>ec</title>
<link rel="stylesheet" href="vendor/event-calendar.min.css">
<script src="vendor/event-calendar.min.js"></script>
<script src="calendar.js" defer></script>
</head><body><div id="ec"></div></body></html>
"""

# Every view the UI may use, events with colours, resources, selection and dragging on
CALENDAR_JS = """
const at = (day, hour) => `2026-03-0${day}T${String(hour).padStart(2, '0')}:00:00`;
window.ec = EventCalendar.create(document.getElementById('ec'), {
  view: 'timeGridWeek',
  date: '2026-03-04',
  firstDay: 1,
  height: '700px',
  resources: [{id: 'a', title: 'Room A'}, {id: 'b', title: 'Room B'}],
  events: [
    {id: '1', resourceIds: ['a'], start: at(4, 9), end: at(4, 10), title: 'Standup',
     backgroundColor: '#2a6f97'},
    {id: '2', resourceIds: ['b'], start: at(4, 11), end: at(4, 13), title: 'Review',
     styles: ['font-weight: bold']},
    {id: '3', resourceIds: ['a'], start: '2026-03-05', end: '2026-03-06', allDay: true,
     title: 'Offsite'},
  ],
  selectable: true,
  editable: true,
  nowIndicator: true,
  headerToolbar: {start: 'prev,next today', center: 'title',
                  end: 'dayGridMonth,timeGridWeek,listWeek,resourceTimeGridWeek'},
  select: info => { window.selected = [info.startStr, info.endStr]; },
  eventDrop: info => { window.dropped = info.event.id; },
});
"""

VIEWS = ["dayGridMonth", "timeGridWeek", "listWeek", "resourceTimeGridWeek", "resourceTimelineWeek"]


@pytest.fixture
def csp_origin(tmp_path: Path) -> Iterator[str]:
    shutil.copytree(VENDOR, tmp_path / "vendor")
    (tmp_path / "calendar.html").write_text(CALENDAR_HTML)
    (tmp_path / "calendar.js").write_text(CALENDAR_JS)
    with serve_folder(tmp_path, CSP) as origin:
        yield origin


def test_event_calendar_runs_under_default_src_self(pages: Pages, csp_origin: str) -> None:
    page = pages.open(csp_origin)
    response = page.goto(f"{csp_origin}/calendar.html")
    assert response is not None and response.headers["content-security-policy"] == CSP
    page.wait_for_selector(".ec-event")
    for view in VIEWS:
        page.evaluate("view => window.ec.setOption('view', view)", view)
        page.wait_for_selector(".ec-event")
        shot(page, f"csp-event-calendar-{view}", full_page=False)
    _drag_to_select(page)
    _drag_an_event(page)
    # no stylesheet of its own: every style it sets goes through element.style
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert pages.watch(page).problems() == []


def _drag_to_select(page: Page) -> None:
    page.evaluate("window.ec.setOption('view', 'timeGridWeek')")
    page.wait_for_selector(".ec-event")
    box = page.locator(".ec-body .ec-day").nth(1).bounding_box()
    assert box is not None
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(x, box["y"] + 360, steps=5)
    page.mouse.up()
    page.wait_for_function("window.selected !== undefined")


def _drag_an_event(page: Page) -> None:
    box = page.locator(".ec-event", has_text="Standup").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100, steps=8)
    page.mouse.up()
    page.wait_for_function("window.dropped === '1'")


def _htmx_page(config: str) -> str:
    meta = f"<meta name=\"htmx-config\" content='{config}'>" if config else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>htmx</title>{meta}
<script src="vendor/htmx.min.js"></script>
</head><body>
<button hx-get="fragment.html" hx-target="#out" hx-swap="innerHTML">load</button>
<div id="out"></div></body></html>
"""


# htmx's own indicator CSS is a <style> it adds to <head>: refused unless switched off.
# allowEval false: hx-on and js: values would need 'unsafe-eval'; htmx then does not try.
HTMX_CONFIG = '{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false}'


@pytest.fixture
def htmx_origin(tmp_path: Path) -> Iterator[str]:
    shutil.copytree(VENDOR, tmp_path / "vendor")
    (tmp_path / "configured.html").write_text(_htmx_page(HTMX_CONFIG))
    (tmp_path / "default.html").write_text(_htmx_page(""))
    (tmp_path / "fragment.html").write_text("<p class='loaded'>swapped in</p>")
    with serve_folder(tmp_path, CSP) as origin:
        yield origin


def test_htmx_swaps_under_default_src_self_when_configured(pages: Pages, htmx_origin: str) -> None:
    page = pages.open(htmx_origin)
    page.goto(f"{htmx_origin}/configured.html")
    page.click("button")
    page.wait_for_selector("#out .loaded")
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert pages.watch(page).problems() == []


def test_htmx_indicator_style_is_refused_by_default(pages: Pages, htmx_origin: str) -> None:
    # also proves the watch sees CSP refusals
    page = pages.open(htmx_origin)
    page.goto(f"{htmx_origin}/default.html", wait_until="networkidle")
    watch = pages.watch(page)
    assert len(watch.csp_violations) == 1, watch.csp_violations
    assert watch.csp_violations[0].startswith("style-src-elem blocked inline at ")
    assert watch.console_errors == []  # the violation's console line is not counted twice
    watch.clear()
