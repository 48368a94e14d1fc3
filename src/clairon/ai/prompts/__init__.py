"""Prompt templates shipped as package data (``str.format`` placeholders)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["load_prompt"]


@cache
def load_prompt(name: str) -> str:
    """The text of ``clairon/ai/prompts/<name>``."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
