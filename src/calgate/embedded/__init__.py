"""The built-in Radicale CalDAV store and its auth bridge (see ``store``), and the store as a
source kind (``source.EmbeddedKind``)."""

from .auth import TokenCheck
from .store import EmbeddedStore

__all__ = ["EmbeddedStore", "TokenCheck"]
