"""Rounds, platforms and devices tell the pupil rules what they hold, through
students.dependents."""

from devices.pupils import DeviceDependents
from platforms.pupils import PlatformDependents
from rounds.pupils import ProposalDependents
from students import dependents


def test_rounds_platforms_then_devices_are_registered_once_each():
    assert [type(d) for d in dependents.registered()] == [
        ProposalDependents,
        PlatformDependents,
        DeviceDependents,
    ]
    dependents.register(ProposalDependents())
    assert len(dependents.registered()) == 3


def test_a_kind_without_a_provider_summarises_nothing():
    assert dependents.summaries("no-such-kind", [1, 2]) == {}
