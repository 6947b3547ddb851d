"""One builder for the pointers of problem+json ``errors`` (RFC 6901 in a URI fragment), used
by the API's validation errors and the domain's own checks alike."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError

from calgate.api.problems import validation_errors
from calgate.errors import json_pointer, pointer_token


def test_rfc6901_3_tokens_escape_tilde_then_slash():
    assert pointer_token("a/b~c") == "a~1b~0c"
    assert pointer_token("~1") == "~01"  # not read back as "/"
    assert pointer_token(3) == "3"


def test_pointers_in_a_fragment():
    assert json_pointer() == "#"
    assert json_pointer("participants", "a/b", "email") == "#/participants/a~1b/email"
    assert json_pointer("recurrenceOverrides", "2027-01-01T10:00:00", 0) == (
        "#/recurrenceOverrides/2027-01-01T10:00:00/0"
    )


def test_fastapi_body_errors_use_the_same_builder():
    exc = RequestValidationError(
        [
            {"loc": ("body", "keywords", "a/b"), "msg": "bad", "type": "value_error"},
            {"loc": ("query", "start"), "msg": "bad", "type": "value_error"},
            {"loc": ("body",), "msg": "bad", "type": "value_error"},
        ]
    )
    assert [e.pointer for e in validation_errors(exc)] == ["#/keywords/a~1b", "start", "#"]
