"""Connectors are found through the ``clairon.networks`` entry-point group.

Built-ins are registered the same way as third-party plugins (see pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import entry_points

from clairon.errors import NotFound
from clairon.networks.base import Connector

__all__ = ["connector_class", "known_networks", "register_connector"]


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


def register_connector(network: str, cls: type[Connector]) -> Callable[[], None]:
    """Add a connector without an entry point (tests, an embedding application); returns a
    function that removes it again (and restores any connector it replaced)."""
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{cls!r} is not a Connector subclass")
    found = _load()
    previous = found.get(network)
    found[network] = cls

    def undo() -> None:
        if previous is None:
            found.pop(network, None)
        else:
            found[network] = previous

    return undo
