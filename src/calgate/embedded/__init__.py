"""The built-in Radicale CalDAV store and its auth bridge (see ``store``)."""

from .auth import TokenCheck
from .store import EmbeddedStore

__all__ = ["EmbeddedStore", "TokenCheck"]
