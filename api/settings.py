"""The service reads the same :class:`hotspots.settings.Settings` as the CLI."""

from hotspots.settings import Settings

__all__ = ["Settings"]
