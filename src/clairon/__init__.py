"""Clairon: an open-source, self-hostable AI social media studio."""

__version__ = "0.1.0"

__all__ = ["__version__"]
