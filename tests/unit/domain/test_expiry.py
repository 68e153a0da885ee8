"""Expiry: the horizons as instants, and which records are past them."""

from __future__ import annotations

from streams.domain.expiry import Cutoffs, Horizons
from streams.domain.surveys import SurveyAnswer
from streams.domain.ticket import TicketRecord
from tests.support.builders import NOW, H

HORIZONS = Horizons(grace_ms=H, orphan_ms=2 * H)
CUT = Cutoffs.at(NOW, HORIZONS, largest_window_ms=24 * H)


def test_the_cutoffs_lie_one_window_plus_grace_and_one_orphan_horizon_back() -> None:
    assert HORIZONS.late_before_ms(NOW, 24 * H) == NOW - 25 * H
    assert (CUT.orphan_before_ms, CUT.retain_after_ms) == (NOW - 2 * H, NOW - 25 * H)


def test_events_that_waited_past_the_orphan_horizon_are_due() -> None:
    assert not CUT.orphans_waiting(TicketRecord(pending_since_ms=None))
    assert not CUT.orphans_waiting(TicketRecord(pending_since_ms=NOW - 2 * H))  # just inside
    assert CUT.orphans_waiting(TicketRecord(pending_since_ms=NOW - 2 * H - 1))


def test_only_a_closed_record_out_of_every_window_and_waiting_for_nothing_expires() -> None:
    old = NOW - 25 * H - 1
    resolved = TicketRecord(created_ms=old - H, resolutions=(old,), last_ms=old)
    assert CUT.expired(resolved)
    assert not CUT.expired(TicketRecord(created_ms=old - H, resolutions=(old,), last_ms=old + 1))
    reopened = TicketRecord(created_ms=old - H, resolutions=(old - 1,), reopens=(old,), last_ms=old)
    assert not CUT.expired(reopened)  # open: it stays in the backlog however old
    assert CUT.expired(TicketRecord(surveys=(SurveyAnswer("csat", 4, old, "chat"),), last_ms=old))
    waiting = TicketRecord(replies=(old,), last_ms=old, pending_since_ms=old)
    assert not CUT.expired(waiting)  # its events wait for the orphan horizon, then it goes
