"""PersonalizedMessage: plain frozen data, its bytes joined once."""

from __future__ import annotations

import dataclasses

import pytest

from b2bmail.personalize.message import PersonalizedMessage


def test_fields_equality_and_frozen() -> None:
    pieces = (b"To: a@b.example\r\n", b"\r\nbody\r\n")
    msg = PersonalizedMessage(7, "a@b.example", "mines", "<m@x>", pieces)
    assert (msg.row, msg.email, msg.segment_id, msg.message_id, msg.content, msg.mboxrd) == (
        7,
        "a@b.example",
        "mines",
        "<m@x>",
        pieces,
        False,
    )
    same = PersonalizedMessage(7, "a@b.example", "mines", "<m@x>", pieces, mboxrd=False)
    assert msg == same and hash(msg) == hash(same)
    assert msg != PersonalizedMessage(7, "a@b.example", "mines", "<m@x>", pieces, True)
    assert dataclasses.astuple(msg) == (7, "a@b.example", "mines", "<m@x>", pieces, False, None)
    # The size (the pieces' total, when the builder knows it) is derived: not compared.
    assert msg == PersonalizedMessage(7, "a@b.example", "mines", "<m@x>", pieces, False, 33)
    assert repr(msg).startswith("PersonalizedMessage(row=7, email='a@b.example'")
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.row = 8  # type: ignore[misc]


def test_data_is_the_pieces_joined_once() -> None:
    msg = PersonalizedMessage(2, "a@b.example", "s", "<m@x>", (b"A: 1\r\n", b"\r\nbody\r\n"))
    assert msg.data == b"A: 1\r\n\r\nbody\r\n"
    assert msg.data is msg.data
    whole = PersonalizedMessage(2, "a@b.example", "s", "<m@x>", b"A: 1\r\n\r\nbody\r\n")
    assert whole.data is whole.content
