"""Hotspot analysis on incident points in British National Grid metres (pure, no I/O)."""
