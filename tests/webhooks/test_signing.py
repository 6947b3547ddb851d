"""calgate's signatures checked by a receiver's library (``standardwebhooks``), not by calgate's
own code: what verifies there verifies for every Standard Webhooks receiver."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from calgate.domain.webhooks.signing import (
    headers,
    message_id,
    new_secret,
    secret_key,
    signature,
)

BODY = b'{"type":"event.created","data":{"calendar":"c1","event":"e1"}}'


def _now() -> int:
    return int(time.time())


def test_a_new_secret_is_whsec_and_32_random_bytes_in_base64():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert new_secret() != secret


def test_signature_verifies_with_the_receivers_library():
    secret = new_secret()
    sent = headers([secret], "msg_1", _now(), BODY)
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(BODY, sent) == {
        "type": "event.created",
        "data": {"calendar": "c1", "event": "e1"},
    }


def test_signature_is_v1_and_base64_of_hmac_sha256():
    secret = new_secret()
    sig = signature(secret, "msg_1", 1_700_000_000, BODY)
    assert sig.startswith("v1,")
    assert len(base64.b64decode(sig.removeprefix("v1,"), validate=True)) == 32


def test_body_bytes_that_are_not_utf8_are_signed_as_sent():
    secret, body = new_secret(), b"\xff\xfe{}"
    Webhook(secret).verify(body, headers([secret], "msg_1", _now(), body), json_parse=False)


def test_a_tampered_body_fails():
    secret = new_secret()
    sent = headers([secret], "msg_1", _now(), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"e1", b"e2"), sent)


def test_a_changed_id_fails():
    secret = new_secret()
    sent = headers([secret], "msg_1", _now(), BODY) | {"webhook-id": "msg_2"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, sent)


def test_a_wrong_secret_fails():
    sent = headers([new_secret()], "msg_1", _now(), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_an_old_timestamp_fails():
    secret = new_secret()
    sent = headers([secret], "msg_1", _now() - 3600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, sent)


def test_during_a_rotation_both_secrets_sign_and_each_verifies():
    old, new = new_secret(), new_secret()
    sent = headers([old, new], "msg_1", _now(), BODY)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_headers_need_a_secret():
    with pytest.raises(ValueError, match="secret"):
        headers([], "msg_1", _now(), BODY)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "whsec_",
        "abc",  # no prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 16).decode(),  # too short a key
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # too long a key
    ],
)
def test_a_malformed_secret_is_refused(bad):
    with pytest.raises(ValueError, match="secret"):
        secret_key(bad)
    with pytest.raises(ValueError, match="secret"):
        signature(bad, "msg_1", _now(), BODY)


def test_the_key_is_the_secrets_base64_decoded():
    assert secret_key("whsec_" + base64.b64encode(b"k" * 32).decode()) == b"k" * 32


@pytest.mark.parametrize("bad_id", ["", "msg 1", "msg.1", "m\n"])
def test_an_id_that_would_break_the_signed_content_or_header_is_refused(bad_id):
    with pytest.raises(ValueError, match="id"):
        signature(new_secret(), bad_id, _now(), BODY)


def test_message_id_is_stable_per_change_and_endpoint():
    first = message_id("change-42", "ep_1")
    assert first == message_id("change-42", "ep_1")  # a retry: the same id
    assert first.startswith("msg_")
    others = {message_id("change-43", "ep_1"), message_id("change-42", "ep_2")}
    assert first not in others and len(others) == 2
    # no ambiguity where the two parts meet
    assert message_id("a:b", "c") != message_id("a", "b:c")
    secret = new_secret()
    Webhook(secret).verify(BODY, headers([secret], first, _now(), BODY))


def test_message_id_accepts_a_numeric_change_key():
    assert message_id(42, "ep_1") == message_id("42", "ep_1")
