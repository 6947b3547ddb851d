"""calgate's Radicale storage plugin: Radicale's own file layout, with an index per collection
so that a write, a UID check and an incremental sync cost the same at any calendar size.

``plugin.py`` holds the Radicale subclasses, ``index.py`` the SQLite index they keep. See
docs/operations.md ("The embedded store's folder") for what is on disk.
"""

from __future__ import annotations

from radicale import config

from ..auth import PluginFactory
from .plugin import INDEX_FOLDER, IndexedCollection, IndexedStorage, StoreSession

__all__ = ["INDEX_FOLDER", "IndexedCollection", "IndexedStorage", "StoreSession", "storage_plugin"]


def storage_plugin(session: StoreSession) -> PluginFactory:
    """The ``storage.type`` for Radicale's configuration: every storage object it builds
    shares ``session`` (one per ``EmbeddedStore``)."""

    def build(configuration: config.Configuration) -> IndexedStorage:
        return IndexedStorage(configuration, session)

    return PluginFactory("calgate-indexed-storage", build)
