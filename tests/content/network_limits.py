"""Network limits for the content tests: the networks' own rules."""

from __future__ import annotations

from clairon.networks.base import Limits
from clairon.networks.rules import NETWORKS as _RULES
from clairon.networks.rules import rules_for

NETWORKS = tuple(_RULES)


def limits(network: str) -> Limits:
    return rules_for(network)
