"""``Grant``: which (role, calendars) pairs a token may hand out, and which tokens lie inside
it (pure). Only admins manage tokens today; the rule holds for any role."""

from __future__ import annotations

import pytest

from calgate.domain.access import Grant, Overreach, Role

TEAM = frozenset({"team"})
NONE = frozenset[str]()
NO = (False, False)  # neither a role above nor every calendar


@pytest.mark.parametrize(
    ("grant", "role", "calendars", "overreach"),
    [
        (Grant("a", Role.admin), Role.admin, None, None),
        (Grant("a", Role.admin), Role.read, ["x", "y"], None),
        (Grant("a", Role.admin, TEAM), Role.admin, ["team"], None),
        (Grant("a", Role.admin, TEAM), Role.read, [], None),
        (Grant("a", Role.admin, TEAM), Role.read, None, Overreach(False, True, ())),
        (Grant("a", Role.admin, TEAM), Role.read, ["team", "b", "a"], Overreach(*NO, ("a", "b"))),
        (Grant("w", Role.write), Role.admin, None, Overreach(True, False, ())),
        (Grant("w", Role.write, TEAM), Role.write, ["team"], None),
        (Grant("w", Role.write, TEAM), Role.admin, None, Overreach(True, True, ())),
        (Grant("r", Role.read, NONE), Role.read, ["team"], Overreach(False, False, ("team",))),
    ],
)  # fmt: skip
def test_overreach(grant, role, calendars, overreach):
    assert grant.overreach(role, calendars) == overreach
    assert grant.may_grant(role, calendars) is (overreach is None)


def test_covers_is_the_same_rule_for_existing_tokens():
    team_admin = Grant("a", Role.admin, TEAM)
    assert team_admin.covers(Grant("t", Role.write, TEAM))
    assert team_admin.covers(Grant("t", Role.read, frozenset()))
    assert not team_admin.covers(Grant("t", Role.read))
    assert not team_admin.covers(Grant("t", Role.read, frozenset({"team", "other"})))
    assert not Grant("w", Role.write, TEAM).covers(Grant("t", Role.admin, TEAM))


def test_a_token_may_revoke_itself():
    me = Grant("me", Role.read, TEAM)
    assert me.may_revoke(me)
    assert not me.may_revoke(Grant("other", Role.write, TEAM))
    assert me.may_revoke(Grant("other", Role.read, TEAM))
