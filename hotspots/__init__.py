"""hotspots: crime and harm hotspot mapping for a community safety partnership.

The package is the pure core (readers, geocoding, analysis) plus the store behind
one interface; the web service lives in ``api/`` and the boundary sets in
``boundaries/``.
"""

__version__ = "0.1.0"
