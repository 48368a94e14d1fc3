"""Instagram, Facebook, YouTube, TikTok and Pinterest declare exactly what they implement, and
their rules come from :func:`clairon.networks.rules.rules_for`."""

from __future__ import annotations

import pytest

from clairon.networks.base import AccountContext, Capability, Connector
from clairon.networks.registry import connector_class
from clairon.networks.rules import rules_for

NETWORKS = ["instagram", "facebook", "youtube", "tiktok", "pinterest"]
METHODS = {
    Capability.publish: "publish",
    Capability.delete: "delete",
    Capability.read_comments: "fetch_comments",
    Capability.reply: "reply",
    Capability.metrics: "fetch_metrics",
    Capability.reconcile: "find_published",
    Capability.oauth: "whoami",
}


@pytest.mark.parametrize("network", NETWORKS)
def test_declared_capabilities_are_the_implemented_ones(network: str) -> None:
    cls = connector_class(network)
    assert cls.network == network and cls.display_name and cls.max_concurrency >= 1
    for capability, method in METHODS.items():
        overridden = getattr(cls, method) is not getattr(Connector, method)
        assert overridden == (capability in cls.capabilities), (network, capability)
    assert (cls.oauth is not None) == (Capability.oauth in cls.capabilities)
    refreshes = cls.refresh_token is not Connector.refresh_token or cls.oauth is not None
    assert refreshes == (Capability.refresh_token in cls.capabilities)
    assert Capability.thread not in cls.capabilities  # none of these networks has threads
    assert Capability.media in cls.capabilities


@pytest.mark.parametrize("network", NETWORKS)
def test_limits_are_the_network_rules(network: str) -> None:
    cls = connector_class(network)
    with cls(AccountContext(1, "a", {"access_token": "t"})) as connector:
        limits = connector.limits()
    reference = rules_for(network)
    assert limits.network == network
    assert (limits.max_length, limits.length_unit) == (reference.max_length, reference.length_unit)
    assert limits.media == reference.media
