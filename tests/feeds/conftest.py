"""A calendar on the embedded store and one on Xandikos, emptied for each test."""

from __future__ import annotations

import pytest

from tests.conftest import _empty_calendar, connect_source


@pytest.fixture(params=["embedded", "xandikos"])
def cal(request, client) -> str:
    if request.param == "embedded":
        return "default"
    cal_id = connect_source(client, request.getfixturevalue("xandikos_server"), name="xandikos")
    client.patch(f"/api/v1/calendars/{cal_id}", json={"timeZone": "UTC"})
    _empty_calendar(client, cal_id)
    return cal_id
