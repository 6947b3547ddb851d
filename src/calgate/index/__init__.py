"""The local index: every calendar mirrored into the metadata database, kept in sync with its
CalDAV server (the store of record), answering listings and the change feed."""
