"""Webhook signatures: sign and verify (what receivers run)."""

from __future__ import annotations

import pytest

from scimcore.webhooks import SignatureError, sign, verify

BODY = b'{"id":"e1","type":"user.created"}'


def test_round_trip() -> None:
    """A header made by sign verifies against the same body and secret."""
    header = sign("s", BODY, timestamp=1_700_000_000)
    assert verify("s", header, BODY, now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [("other", BODY, 1_700_000_000), ("s", BODY + b" ", 1_700_000_000), ("s", BODY, 1_700_000_301)],
)
def test_rejections(secret: str, body: bytes, now: int) -> None:
    """A wrong secret, a changed body or a stale timestamp is refused."""
    with pytest.raises(SignatureError):
        verify(secret, sign("s", BODY, timestamp=1_700_000_000), body, now=now)


@pytest.mark.parametrize("header", [None, "", "t=abc,v1=00", "v1=00", "t=1700000000"])
def test_malformed_headers(header: str | None) -> None:
    """Missing or malformed headers are refused."""
    with pytest.raises(SignatureError):
        verify("s", header, BODY, now=1_700_000_000)


def test_any_of_several_signatures() -> None:
    """During secret rotation any matching v1 value is enough."""
    good = sign("s", BODY, timestamp=1_700_000_000).split(",")[1]
    header = f"t=1700000000,v1={'0' * 64},{good}"
    assert verify("s", header, BODY, now=1_700_000_000) == 1_700_000_000
