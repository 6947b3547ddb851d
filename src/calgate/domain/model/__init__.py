"""What an event is, as values: the writable form (``EventWrite``), the read form
(``EventPublic``), their parts (organizer, attendees, alerts, the recurrence rule) and field
types. The domain reads and writes these; :mod:`calgate.schemas` exposes them to the API.

- :mod:`.base`: the models' base (camelCase keys, unknown keys refused), the text check, and
  pydantic's errors as :class:`~calgate.errors.InvalidInput`;
- :mod:`.fields`: the field types, each checked on its own;
- :mod:`.parts`: ``Organizer``, ``Attendee``, ``Alert``, ``Recurrence``;
- :mod:`.event`: ``EventWrite`` and ``EventPublic``.
"""

from calgate.domain.model.base import CamelModel, TextChecked, check_text, invalid_input_from
from calgate.domain.model.event import (
    WRITE_FIELDS,
    EventPublic,
    EventWrite,
    event_write_from_json,
)
from calgate.domain.model.fields import (
    AlertAction,
    Frequency,
    IsoTime,
    ParticipationStatus,
    Privacy,
    Role,
    Status,
    Transparency,
    Weekday,
)
from calgate.domain.model.parts import Alert, Attendee, Organizer, Recurrence

__all__ = [
    "WRITE_FIELDS",
    "Alert",
    "AlertAction",
    "Attendee",
    "CamelModel",
    "EventPublic",
    "EventWrite",
    "Frequency",
    "IsoTime",
    "Organizer",
    "ParticipationStatus",
    "Privacy",
    "Recurrence",
    "Role",
    "Status",
    "TextChecked",
    "Transparency",
    "Weekday",
    "check_text",
    "event_write_from_json",
    "invalid_input_from",
]
