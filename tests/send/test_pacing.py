"""The pacing table (defaults with sources, overrides) and the scheduler's limits."""

from __future__ import annotations

import threading
import time

import pytest

from b2bmail.errors import ConfigError
from b2bmail.send.pacing import PacingRule, PacingTable, Scheduler, load_pacing


def test_every_default_names_its_source() -> None:
    table = load_pacing()
    assert table.default.source
    assert {"Microsoft 365", "Mimecast", "Proofpoint"} <= set(table.groups)
    for name, rule in table.groups.items():
        assert rule.source, name
        assert rule.connections >= 1 and rule.per_minute > 0, name


def test_campaign_overrides_then_command_line_overrides() -> None:
    table = load_pacing({"groups": {"Mimecast": {"per_minute": 30}}})
    assert table.rule("Mimecast").per_minute == 30
    assert table.rule("Mimecast").connections == load_pacing().rule("Mimecast").connections
    cli = load_pacing({"groups": {"Mimecast": {"per_minute": 30}}}, connections=5, per_minute=0)
    assert cli.rule("Mimecast") == PacingRule(5, 0.0, "command line")
    assert cli.rule("unknown.example") == PacingRule(5, 0.0, "command line")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"default": {"connections": 0}}, "connections must be a whole number ≥ 1, not 0"),
        ({"default": {"per_minute": -1}}, "per_minute must be a number ≥ 0"),
        ({"groups": {"Mimecast": {"conections": 2}}}, "unknown key 'conections'"),
        ({"speed": 1}, "unknown key 'speed'"),
    ],
)
def test_bad_overrides_are_refused(override: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_pacing(override)


def test_one_connection_is_the_smallest_limit() -> None:
    assert load_pacing({"default": {"connections": 1}}).default.connections == 1


def _table(connections: int, per_minute: float) -> PacingTable:
    return PacingTable(PacingRule(connections, per_minute), {})


def test_a_group_never_has_more_in_flight_than_its_connections() -> None:
    s: Scheduler[int] = Scheduler(_table(2, 0))
    for i in range(3):
        s.add("g", i)
    s.close()
    assert s.take() == ("g", 0)
    assert s.take() == ("g", 1)
    got: list[object] = []
    third = threading.Thread(target=lambda: got.append(s.take()))
    third.start()
    third.join(0.3)
    assert third.is_alive() and got == []  # two in flight: the third waits
    s.done("g")
    third.join(5)
    assert got == [("g", 2)]


def test_the_rate_spaces_messages_of_a_group() -> None:
    s: Scheduler[int] = Scheduler(_table(10, 600))  # one every 0.1 s
    for i in range(3):
        s.add("g", i)
    s.close()
    start = time.monotonic()
    for _ in range(3):
        assert s.take() is not None
        s.done("g")
    assert 0.18 <= time.monotonic() - start < 1.0  # two intervals between three messages


def test_a_421_halves_the_connections_down_to_one() -> None:
    s: Scheduler[int] = Scheduler(_table(4, 0))
    s.add("g", 1)
    s.take()
    s.slow_down("g")
    assert s.groups["g"].rule.connections == 2
    s.slow_down("g")
    s.slow_down("g")
    assert s.groups["g"].rule.connections == 1
