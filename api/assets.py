"""Offline web assets: every script and stylesheet of the map, from installed packages.

The map must work on a council or police network with no internet, so nothing is
loaded from a CDN. Folium 0.20's defaults are mapped to files shipped by XStatic
packages on PyPI (installed with the project) and served under ``/assets``:

==========================  ====================  =================================
Folium default              PyPI package          served at
==========================  ====================  =================================
leaflet 1.9.3 js and css    XStatic-Leaflet       /assets/leaflet/leaflet.{js,css}
jquery 3.7.1                XStatic-jQuery        /assets/jquery/jquery.min.js
bootstrap 5.2.2 js and css  XStatic-Bootstrap     /assets/bootstrap/... (4.5.3)
Font Awesome 6.2.0 css      XStatic-Font-Awesome  /assets/fontawesome/... (6.2.1)
==========================  ====================  =================================

XStatic-Bootstrap 5.x is published only as a source package that no longer builds
(it imports ``pkg_resources``), so the 4.5.3 wheel is used; the map's own elements
need no Bootstrap 5 features. Leaflet.awesome-markers, its rotate CSS and the
Bootstrap 3 glyphicons CSS have no PyPI package; the map draws no icon markers, so
they are removed from the page instead (:data:`DROPPED`).

:func:`inline_assets` turns a page into a standalone file for e-mailing: scripts
and stylesheets are inlined and the files a stylesheet points to become data URIs.
"""

from __future__ import annotations

import base64
import importlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

__all__ = [
    "ASSETS",
    "ASSETS_URL",
    "DROPPED",
    "PACKAGES",
    "PAGE_ASSETS",
    "Asset",
    "folium_css",
    "folium_js",
    "inline_assets",
    "mount_assets",
    "package_dir",
]

#: URL prefix the assets are served under.
ASSETS_URL = "/assets"

#: Folium defaults left out of the page: no PyPI package, and nothing uses them.
DROPPED = (
    "awesome_markers",
    "awesome_markers_css",
    "glyphicons_css",
    "awesome_rotate_css",
)


#: The map page's own script and stylesheet, served at /assets/hotspots/.
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: URL folder below /assets -> (PyPI distribution, XStatic module under xstatic.pkg).
PACKAGES: dict[str, tuple[str, str]] = {
    "leaflet": ("XStatic-Leaflet", "leaflet"),
    "jquery": ("XStatic-jQuery", "jquery"),
    "bootstrap": ("XStatic-Bootstrap", "bootstrap"),
    "fontawesome": ("XStatic-Font-Awesome", "font_awesome"),
}


@dataclass(frozen=True)
class Asset:
    """One script or stylesheet: its Folium name and path below ``/assets``."""

    name: str
    path: str  # "<package folder>/<file in the package's data folder>"
    inline: bool = True  # include in the standalone export

    @property
    def url(self) -> str:
        """Where the app serves it."""
        return f"{ASSETS_URL}/{self.path}"

    @property
    def kind(self) -> str:
        """``"js"`` or ``"css"``."""
        return "css" if self.path.endswith(".css") else "js"

    @property
    def package(self) -> str:
        """The PyPI distribution that ships it (``hotspots`` for our own)."""
        folder = self.path.split("/", 1)[0]
        return PACKAGES[folder][0] if folder in PACKAGES else "hotspots"

    def file(self) -> Path:
        """The installed file."""
        folder, rest = self.path.split("/", 1)
        return package_dir(folder) / rest


#: Every asset the map page links, in the order Folium puts them in the page.
ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", "leaflet/leaflet.js"),
    Asset("jquery", "jquery/jquery.min.js"),
    Asset("bootstrap", "bootstrap/js/bootstrap.bundle.min.js"),
    Asset("leaflet_css", "leaflet/leaflet.css"),
    Asset("bootstrap_css", "bootstrap/css/bootstrap.min.css"),
    # No icons are drawn, so the export leaves the 400 kB of fonts out.
    Asset("awesome_markers_font_css", "fontawesome/css/all.min.css", inline=False),
)

#: The map page's own assets (api/static), linked after Folium's.
PAGE_ASSETS: tuple[Asset, ...] = (
    Asset("hsmap_css", "hotspots/hsmap.css"),
    Asset("hsmap", "hotspots/hsmap.js"),
)


def package_dir(folder: str) -> Path:
    """The data folder of the XStatic package served at ``/assets/<folder>``."""
    if folder == "hotspots":
        return STATIC_DIR
    module = importlib.import_module(f"xstatic.pkg.{PACKAGES[folder][1]}")
    return Path(module.BASE_DIR)


def folium_js() -> list[tuple[str, str]]:
    """``default_js`` for a Folium map: names and local URLs."""
    return [(a.name, a.url) for a in ASSETS if a.kind == "js"]


def folium_css() -> list[tuple[str, str]]:
    """``default_css`` for a Folium map: names and local URLs."""
    return [(a.name, a.url) for a in ASSETS if a.kind == "css"]


def mount_assets(app: FastAPI) -> None:
    """Serve each XStatic package's data folder under ``/assets/<folder>``."""
    for folder in (*PACKAGES, "hotspots"):
        app.mount(
            f"{ASSETS_URL}/{folder}",
            StaticFiles(directory=package_dir(folder)),
            name=f"assets-{folder}",
        )


_SCRIPT = re.compile(r'<script src="(/assets/[^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/assets/[^"]+)"\s*/>')
_CSS_URL = re.compile(r"url\((['\"]?)(?!data:|#)([^'\")]+)\1\)")


def inline_assets(html: str) -> str:
    """The page with every ``/assets`` script and stylesheet inlined.

    Assets marked ``inline=False`` are dropped: the export must not point anywhere.
    """
    by_url = {a.url: a for a in (*ASSETS, *PAGE_ASSETS)}

    def script(match: re.Match[str]) -> str:
        asset = by_url.get(match.group(1))
        if asset is None or not asset.inline:
            return ""
        text = asset.file().read_text(encoding="utf-8")
        return "<script>" + text.replace("</script", "<\\/script") + "</script>"

    def stylesheet(match: re.Match[str]) -> str:
        asset = by_url.get(match.group(1))
        if asset is None or not asset.inline:
            return ""
        return "<style>" + _css_with_data_uris(asset.file()) + "</style>"

    return _STYLESHEET.sub(stylesheet, _SCRIPT.sub(script, html))


def _css_with_data_uris(path: Path) -> str:
    """A stylesheet's text with each relative ``url(...)`` as a data URI."""

    def data_uri(match: re.Match[str]) -> str:
        target = (path.parent / match.group(2).split("?")[0].split("#")[0]).resolve()
        if not target.is_file():
            return "url()"
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(target.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{encoded})"

    text = path.read_text(encoding="utf-8")
    return _CSS_URL.sub(data_uri, text).replace("</style", "<\\/style")
