"""The webhook messages in the OpenAPI document (its OpenAPI 3.1 ``webhooks`` section): one
entry per message type, the request calgate makes to an endpoint, with the body's JSON Schema
from :mod:`calgate.schemas.webhook_messages` (the models every message is built through), made
from its ``SENT``, so no type calgate sends goes undocumented."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from fastapi import FastAPI
from pydantic import BaseModel

from calgate.schemas.webhook_messages import SENT

SIGNED = (
    "POSTed to each endpoint that subscribed to this type, signed as Standard Webhooks 1.0 "
    "defines (headers webhook-id, webhook-timestamp, webhook-signature; docs/webhooks.md). "
    "Answer with a 2xx within 15 s; anything else is retried with the same webhook-id."
)
_ANSWERS: dict[int | str, dict[str, str]] = {
    204: {"description": "Received (any 2xx will do)."},
    410: {"description": "Gone: calgate disables the endpoint at once."},
    "default": {"description": "A failed attempt: retried later with the same webhook-id."},
}


def _receiver(model: type[BaseModel]) -> Callable[..., None]:
    """A stand-in for the receiver, whose signature tells FastAPI the body's model."""

    def receive(body: BaseModel) -> None:  # never called: it only describes the request
        del body

    body = inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=model)
    receive.__signature__ = inspect.Signature([body], return_annotation=None)  # type: ignore[attr-defined]
    return receive


def document(app: FastAPI) -> None:
    """Add every message type to the app's OpenAPI ``webhooks`` section."""
    for kind, model in SENT.items():
        app.webhooks.add_api_route(
            kind,
            _receiver(model),
            methods=["POST"],
            status_code=204,
            summary=(model.__doc__ or kind).split("\n")[0],
            description=SIGNED,
            responses=_ANSWERS,
            operation_id=kind.replace(".", "_"),
        )
