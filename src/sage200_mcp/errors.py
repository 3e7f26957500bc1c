"""The root of every error this package raises on purpose.

Each carries a message written for the person (or the model) who has to act on it: what went
wrong and what to do next. Anything that is not a ``Sage200Error`` is a bug.
"""

from __future__ import annotations


class Sage200Error(Exception):
    """An anticipated failure; ``str(error)`` is a complete, actionable sentence."""


class ConfigError(Sage200Error):
    """The configuration is missing something or holds an invalid value."""
