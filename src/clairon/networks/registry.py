"""Connectors are found through the ``clairon.networks`` entry-point group.

Built-ins are registered the same way as third-party plugins (see pyproject.toml).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from clairon.errors import NotFound
from clairon.networks.base import Connector

__all__ = ["connector_class", "known_networks"]


@lru_cache(maxsize=1)
def _load() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group="clairon.networks"):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise TypeError(f"entry point {ep.name} is not a Connector subclass")
        found[ep.name] = cls
    return found


def known_networks() -> list[str]:
    return sorted(_load())


def connector_class(network: str) -> type[Connector]:
    try:
        return _load()[network]
    except KeyError:
        raise NotFound(
            f"unknown network '{network}' (known: {', '.join(known_networks())})"
        ) from None
