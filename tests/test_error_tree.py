"""Every error calgate raises is in the one tree of ``calgate.errors`` and in its drawing, so
the drawing is the whole list of problems a client can get."""

from __future__ import annotations

import importlib
import pkgutil

import calgate
from calgate import errors


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_calgate_error_lives_in_errors_py_and_its_drawing():
    for module in pkgutil.walk_packages(calgate.__path__, "calgate."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    classes = _all_subclasses(errors.CalgateError)
    outside = sorted(
        f"{c.__module__}.{c.__name__}" for c in classes if c.__module__ != errors.__name__
    )
    assert outside == []
    drawing = errors.__doc__ or ""
    undrawn = sorted(c.__name__ for c in classes if f"── {c.__name__} " not in drawing)
    assert undrawn == []


# Raised and caught (or translated) inside calgate, never a client's problem as they are; each
# named in errors.py's docstring with where it ends.
INTERNAL_SIGNALS = {
    "calgate.upstream.davxml.NotMultistatus",
    "calgate.embedded.guard._Refused",
    "calgate.api.intake._TooLarge",
    "calgate.domain.mail.TemplateTooLong",
    "calgate.mail.templates.TemplateTooSlow",
    "calgate.mail.smtp.SendFailure",
    "calgate.outbound.post.PostFailed",
    # a feed refresh that failed: recorded on the source (lastError), or a 422 on subscribing
    "calgate.outbound.get.FetchFailed",
    "calgate.domain.ics_feed.FeedUnreadable",
    # an import's lease taken over by another worker: this one stops its run
    "calgate.services.import_run._Lost",
    # the HTTP client commands' one-line error and exit code (not the server's)
    "calgate.client.http.ClientError",
    # a UI page asked for without a session: answered with a redirect to the sign-in page
    "calgate.ui.pages.common.SignInNeeded",
}


def test_every_other_exception_is_a_named_internal_signal():
    for module in pkgutil.walk_packages(calgate.__path__, "calgate."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    ours = {
        f"{c.__module__}.{c.__name__}"
        for c in _all_subclasses(Exception)
        if c.__module__.startswith("calgate.") and not issubclass(c, errors.CalgateError)
    }
    assert ours == INTERNAL_SIGNALS
    drawing = errors.__doc__ or ""
    unnamed = sorted(n for n in INTERNAL_SIGNALS if n.removeprefix("calgate.") not in drawing)
    assert unnamed == []
