"""Fixtures of the UI's TestClient tests: a browser (cookies, no bearer header) signed in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.test_ics_subscription import feed_server  # noqa: F401  (fixture)
from tests.conftest import ADMIN_TOKEN, auth


def sign_in_as(client: TestClient, token: str = ADMIN_TOKEN) -> None:
    resp = client.post("/ui/sign-in", data={"token": token, "next": "/ui/"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def new_token(make_client, **body) -> str:
    made = make_client().post("/api/v1/tokens", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


@pytest.fixture
def signed_in(make_client):
    """``signed_in(token=ADMIN_TOKEN, **settings)``: a browser signed in with ``token`` and
    the API client (admin bearer) of the same app."""

    def make(token: str | None = None, **settings: object) -> tuple[TestClient, TestClient]:
        page = make_client(**settings)
        del page.headers["Authorization"]  # a browser has only its cookies
        sign_in_as(page, token or ADMIN_TOKEN)
        api = TestClient(page.app, headers=auth(ADMIN_TOKEN))  # the same app, not started twice
        return page, api

    return make


@pytest.fixture
def browser(make_client):
    """A client without the test suite's bearer header: a browser has only its cookies."""
    client = make_client()
    del client.headers["Authorization"]
    return client
