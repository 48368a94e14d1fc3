"""Use cases: the only code that changes state. Each writes an audit event."""

from clairon.services.context import SYSTEM, Actor, Context

__all__ = ["SYSTEM", "Actor", "Context"]
