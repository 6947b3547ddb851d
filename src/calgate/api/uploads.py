"""An uploaded file in a request body: the body itself (``text/calendar`` and the like) or the
``file`` part of a ``multipart/form-data`` body (an HTML form's upload), read with the
standard library's MIME parser (the intake has already held the body to its size limit)."""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from calgate.errors import InvalidInput, UnsupportedMediaType

FILE_PART = "file"
ACCEPTED = ("text/calendar", "multipart/form-data", "application/octet-stream")


def uploaded_file(content_type: str | None, body: bytes) -> bytes:
    """The file's bytes; 415 for a type that holds no file, 422 for a form without one."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        return _form_file(content_type or "", body)
    if media in ("text/calendar", "application/octet-stream", "text/plain"):
        return body
    raise UnsupportedMediaType(
        f"send the .ics file as the body (Content-Type: text/calendar) or as the {FILE_PART!r} "
        f"part of multipart/form-data, not {media or 'a body without Content-Type'}"
    )


def _form_file(content_type: str, body: bytes) -> bytes:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message: Message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise InvalidInput.field("#", "the multipart/form-data body has no parts (a boundary?)")
    for part in message.iter_parts():  # type: ignore[attr-defined]
        if part.get_param("name", header="content-disposition") == FILE_PART:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    raise InvalidInput.field("#", f"the form has no {FILE_PART!r} part holding the .ics file")
