"""What every browser test checks besides its own assertions: the page talks to no host but
calgate's (a UI that works only with a CDN or a tracker reachable is broken for an intranet),
and it logs no console error, uncaught exception or Content-Security-Policy violation.

``PageWatch`` records; the fixtures in conftest.py fail the test at teardown on any record.
A test that provokes one on purpose asserts on it and calls ``clear()``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Route

# URLs that never leave the browser
_LOCAL_SCHEMES = {"data", "blob", "about"}

# Reports every CSP violation through a binding: the DOM event carries the directive and what
# was blocked, where the console's wording changes between Chromium versions. Playwright's init
# scripts and bindings are not subject to the page's policy.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', event => window.__calgateCspViolation(
  `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
  + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`));
"""


@dataclass
class PageWatch:
    """Aborts and records requests to any origin but ``allowed`` (``http://host:port``);
    records CSP violations, console errors and uncaught page errors."""

    allowed: str
    foreign_requests: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.expose_binding(
            "__calgateCspViolation", lambda _source, text: self.csp_violations.append(text)
        )
        context.add_init_script(_CSP_LISTENER)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def _route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in _LOCAL_SCHEMES or f"{parts.scheme}://{parts.netloc}" == self.allowed:
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        # the violation's console line ("Refused to ...", "... violates the following Content
        # Security Policy directive ...") says again what csp_violations holds
        if message.type == "error" and "Content Security Policy" not in message.text:
            self.console_errors.append(message.text)

    def _page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def problems(self) -> list[str]:
        """Everything that fails a test, one line each; empty when the page behaved."""
        return [
            *(f"request to a foreign host: {url}" for url in self.foreign_requests),
            *(f"CSP violation: {text}" for text in self.csp_violations),
            *(f"console error: {text}" for text in self.console_errors),
            *(f"uncaught exception: {text}" for text in self.page_errors),
        ]

    def accept_status(self, status: int) -> int:
        """Take back the console errors Chromium logs for answers with ``status`` (a page the
        test expects to be refused: a 401 sign-in, a 409 booking); how many there were."""
        line = f"the server responded with a status of {status} "
        kept = [text for text in self.console_errors if line not in text]
        taken = len(self.console_errors) - len(kept)
        self.console_errors[:] = kept
        return taken

    def clear(self) -> None:
        self.foreign_requests.clear()
        self.csp_violations.clear()
        self.console_errors.clear()
        self.page_errors.clear()


def artifacts_dir() -> Path:
    """Where screenshots go: $CALGATE_TEST_ARTIFACTS, else build/ui-screenshots (gitignored)."""
    configured = os.environ.get("CALGATE_TEST_ARTIFACTS")
    return Path(configured) if configured else Path(__file__).parents[2] / "build/ui-screenshots"


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A PNG named ``name`` (made file-safe) in the artifacts folder; its path. A full page
    costs seconds when the page is very long (the 108 kB OpenAPI JSON: 11 s)."""
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-') or 'shot'}.png"
    page.screenshot(path=path, full_page=full_page)
    return path
