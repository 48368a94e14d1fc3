"""Network connectors, their capabilities and exact platform rules."""

from clairon.networks.base import (
    AccountContext,
    Capability,
    Connector,
    Limits,
    MediaFile,
    MediaRule,
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)
from clairon.networks.registry import connector_class, known_networks

__all__ = [
    "AccountContext",
    "Capability",
    "Connector",
    "Limits",
    "MediaFile",
    "MediaRule",
    "PublishRequest",
    "PublishResult",
    "RemoteComment",
    "RemoteMetrics",
    "connector_class",
    "known_networks",
]
