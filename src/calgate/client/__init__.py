"""The client half of the ``calgate`` command: commands that talk to a calgate server over its
HTTP API (``calgate calendars``, ``events``, ``import``, ``export``), for people and scripts.
Nothing here touches a local data folder; the server-side commands are in :mod:`calgate.cli`."""
