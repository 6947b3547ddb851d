"""The web admin and booking UI at ``/ui/``: server-rendered pages (Jinja2) over the same
services as the API, a signed session cookie for the token a person signed in with, and a
small amount of vendored JavaScript (``static/vendor``) for the week view."""
