"""Building a scenario from its readable source folder (TOML and CSV; docs/scenario-source.md)."""

from .source import SourceError, read_source

__all__ = ["SourceError", "read_source"]
