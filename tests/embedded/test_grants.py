"""The grant <-> Radicale groups encoding and the rights it yields (pure)."""

from __future__ import annotations

import pytest

from calgate.domain.access import Grant, Role
from calgate.embedded.grants import grant_groups, internal_rights, token_rights


@pytest.mark.parametrize("path", ["/", "/calgate/", "/calgate/default/", "/calgate/default/e.ics"])
def test_empty_groups_grant_nothing(path: str) -> None:
    assert token_rights(set(), path, calendar_exists=True) == ""


def test_write_token_rights_by_path() -> None:
    groups = grant_groups(Grant("t", Role.write, frozenset({"default"})))
    assert token_rights(groups, "/", True) == "R"
    assert token_rights(groups, "/calgate/", True) == "R"
    assert token_rights(groups, "/calgate/default/", True) == "rw"
    assert token_rights(groups, "/calgate/default/", False) == "r"  # no creating calendars
    assert token_rights(groups, "/calgate/other/", True) == ""
    assert token_rights(groups, "/someone/", True) == ""
    assert token_rights(groups, "/calgate/default/e.ics", True) == ""  # items use the parent


def test_read_token_never_writes() -> None:
    groups = grant_groups(Grant("t", Role.read))
    assert token_rights(groups, "/calgate/default/", True) == "r"
    assert token_rights(groups, "/calgate/anything/", True) == "r"


def test_star_in_calendars_does_not_mean_all() -> None:
    groups = grant_groups(Grant("t", Role.write, frozenset({"*", "default"})))
    assert token_rights(groups, "/calgate/other/", True) == ""
    assert token_rights(groups, "/calgate/default/", True) == "rw"


def test_internal_rights() -> None:
    assert internal_rights("/") == "R"
    assert internal_rights("/calgate/") == "RW"
    assert set(internal_rights("/calgate/new/")) == set("rwDO")
    assert internal_rights("/elsewhere/") == ""
