"""Each of these connectors declares exactly the capabilities it implements."""

from __future__ import annotations

import pytest

from clairon.networks.base import Capability, Connector
from clairon.networks.registry import connector_class

METHODS = {
    Capability.publish: "publish",
    Capability.delete: "delete",
    Capability.read_comments: "fetch_comments",
    Capability.reply: "reply",
    Capability.metrics: "fetch_metrics",
    Capability.reconcile: "find_published",
    Capability.oauth: "whoami",
}


@pytest.mark.parametrize("network", ["x", "bluesky", "linkedin", "threads", "webhook"])
def test_declared_capabilities_are_the_implemented_ones(network: str) -> None:
    cls = connector_class(network)
    assert cls.network == network and cls.display_name and cls.max_concurrency >= 1
    for capability, method in METHODS.items():
        overridden = getattr(cls, method) is not getattr(Connector, method)
        assert overridden == (capability in cls.capabilities), (network, capability)
    assert (cls.oauth is not None) == (Capability.oauth in cls.capabilities)
    refreshes = cls.refresh_token is not Connector.refresh_token or cls.oauth is not None
    assert refreshes == (Capability.refresh_token in cls.capabilities)
