"""calgate: a REST/JSON API for calendar events on any CalDAV calendar."""

__version__ = "0.1.0"
