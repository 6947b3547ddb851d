"""RFC 8984 section 1.4.9 PatchObjects on JSON values (pure, no I/O).

A PatchObject maps JSON pointers (RFC 6901, the leading ``/`` implicit) to the value to set
there, ``null`` removing it. RFC 8984 adds three rules, each an :class:`InvalidInput` here:

- every part of a pointer but the last must already exist (and be an object);
- a pointer must not reach into an array (arrays are replaced whole);
- no pointer may be a prefix of another one in the same patch (``alerts`` and
  ``alerts/a1/action``), so the order patches are applied in never matters.

Errors name the patch key as a member of the patch body: ``#/participants~1p1~1roles``.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from calgate.domain.jscal_types import JsObject, JsPatch
from calgate.errors import FieldError, InvalidInput, pointer_token


def key_pointer(key: str, at: str = "#") -> str:
    """The pointer naming patch key ``key`` of the patch at ``at`` (itself a pointer)."""
    return f"{at}/{pointer_token(key)}"


def split_pointer(key: str) -> list[str]:
    """The tokens of a patch key (ValueError for a bad ``~`` escape)."""
    tokens = []
    for raw in key.split("/"):
        if "~" in raw.replace("~0", "").replace("~1", ""):
            raise ValueError("'~' must be escaped as '~0' ('/' as '~1')")
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tokens


def _bad(key: str, at: str, detail: str) -> InvalidInput:
    message = f"patch {key!r}: {detail}"
    return InvalidInput(message, [FieldError(message, key_pointer(key, at))])


def apply_patch(obj: JsObject, patch: JsPatch, *, at: str = "#") -> JsObject:
    """``obj`` with ``patch`` applied (a new dict; ``obj`` and ``patch`` are left unchanged).

    ``at`` is where the patch sits in the request body, for the pointers of errors (a patch
    inside ``recurrenceOverrides`` is checked with ``#/recurrenceOverrides/<id>``).
    """
    if not isinstance(patch, dict):
        raise InvalidInput.field(at, "a PatchObject must be a JSON object")
    parsed: list[tuple[str, list[str]]] = []
    for key in patch:
        try:
            parsed.append((key, split_pointer(key)))
        except ValueError as exc:
            raise _bad(key, at, str(exc)) from None
    # Sorted, a key that is a prefix of others comes right before one of them.
    ordered = sorted(parsed, key=lambda item: item[1])
    for (short, short_tokens), (long, long_tokens) in itertools.pairwise(ordered):
        if long_tokens[: len(short_tokens)] == short_tokens:
            raise _bad(long, at, f"must not be patched together with its prefix {short!r}")
    result = copy.deepcopy(obj)
    for key, tokens in parsed:
        parent: Any = result
        for depth, token in enumerate(tokens[:-1]):
            if isinstance(parent, list):
                raise _bad(key, at, "must not point into an array: replace the array whole")
            if not isinstance(parent, dict) or token not in parent:
                where = "/".join(pointer_token(t) for t in tokens[: depth + 1])
                raise _bad(key, at, f"{where!r} does not exist, so nothing can be patched in it")
            parent = parent[token]
        if isinstance(parent, list):
            raise _bad(key, at, "must not point into an array: replace the array whole")
        if not isinstance(parent, dict):
            where = "/".join(pointer_token(t) for t in tokens[:-1])
            raise _bad(key, at, f"{where!r} is not an object, so nothing can be patched in it")
        value = patch[key]
        if value is None:
            parent.pop(tokens[-1], None)
        else:
            parent[tokens[-1]] = copy.deepcopy(value)
    return result


__all__ = ["apply_patch", "key_pointer", "split_pointer"]
