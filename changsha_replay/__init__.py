"""Changsha Replay: replay, study and annotate a historical battle."""

__version__ = "0.1.0"
APP_NAME = "Changsha Replay"
