"""The mail that tells the admins a webhook endpoint was disabled because every attempt failed
for ``schedule.GIVE_UP_AFTER``: which endpoint, since when, the last error, and how to enable
it again. Plain text; the URL is shown as stored (it is the admins' own configuration)."""

from __future__ import annotations

from datetime import UTC, datetime

from calgate.domain.mail import RenderedMail
from calgate.domain.webhooks.schedule import GIVE_UP_AFTER


def disabled_mails(
    recipients: list[str],
    *,
    endpoint_id: str,
    url: str,
    failing_since: datetime,
    last_error: str | None,
    api_url: str,
) -> list[RenderedMail]:
    """One mail per admin address; ``api_url`` is calgate's public URL (for the PATCH)."""
    since = failing_since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    days = GIVE_UP_AFTER.days
    subject = f"calgate: webhook endpoint {endpoint_id} disabled after {days} days of failures"
    body = (
        f"calgate disabled the webhook endpoint {endpoint_id}: every delivery attempt to it has\n"
        f"failed for {days} days.\n\n"
        f"Endpoint: {endpoint_id}\n"
        f"URL:      {url}\n"
        f"Failing since: {since}\n"
        f"Last error:    {last_error or 'unknown'}\n\n"
        "Nothing is sent to it until it is enabled again. Messages already given up stay in its\n"
        "delivery list and can be replayed. Once the receiver works, enable it with a token that\n"
        "manages it (the one that made it, or an unscoped admin token):\n\n"
        "  curl -X PATCH -H 'Authorization: Bearer $TOKEN' \\\n"
        "    -H 'Content-Type: application/json' -d '{\"enabled\": true}' \\\n"
        f"    {api_url}/api/v1/webhooks/{endpoint_id}\n"
    )
    return [RenderedMail(recipient=r, subject=subject, body=body) for r in recipients]
