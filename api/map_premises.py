"""The premises layer on the map: clustered points, popups linking to the check,
and a search box. Its data comes from this service (``/api/v1/premises``), so no
request leaves the machine; the standalone export leaves it out.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = ["PREMISES_CSS", "add_premises_layer", "premises_search_html"]

PREMISES_CSS = """
.hs-premises-search { border-top: 1px solid #ddd; padding: 6px 0; }
.hs-premises-search input { width: 100%; box-sizing: border-box; padding: 4px 6px;
  min-height: 44px; }
.hs-premises-search ol { margin: 4px 0 0; padding-left: 18px; }
.hs-premises-search li { min-height: 44px; line-height: 44px; cursor: pointer; }
.hs-premises-search li:hover { text-decoration: underline; }
.hs-premises-key span { display: inline-block; width: 9px; height: 9px;
  border-radius: 50%; margin: 0 3px 0 6px; border: 1px solid #fff;
  box-shadow: 0 0 1px #333; }
.hs-pcluster { background: rgba(217, 95, 2, .85); color: #fff; border-radius: 50%;
  text-align: center; font: bold 11px/26px sans-serif; border: 2px solid #fff;
  box-shadow: 0 0 3px rgba(0,0,0,.5); }
"""

_SEARCH_HTML = """
<div class="hs-premises-search hs-no-print" id="hs-premises-search">
<label for="hs-premises-q"><b>Premises</b> (name, postcode or street)</label>
<input id="hs-premises-q" type="search" placeholder="e.g. White Swan, PO1 2DD"
 autocomplete="off">
<ol id="hs-premises-results"></ol>
<div class="hs-premises-key">Premises:<span style="background:#d95f02"></span>pub
<span style="background:#7570b3"></span>club<span style="background:#1b9e77"></span>
restaurant<span style="background:#e7298a"></span>hotel; numbers: clusters</div>
<div class="hs-premises-note">Register: business-rates list, no licence or hours.
</div>
</div>
"""


class _PremisesScript(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this.map_name }};
  var group = L.layerGroup().addTo(map);
  var points = [];
  var markers = {};
  var COLOURS = {pub: "#d95f02", club: "#7570b3", restaurant: "#1b9e77",
                 hotel: "#e7298a"};
  var CELL_PX = 48, CLUSTER_BELOW = 16;
  var CHECKS = {{ "true" if this.checks else "false" }};
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }
  function popup(p) {
    var id = encodeURIComponent(p.premises_id);
    var base = "/api/v1/premises/" + id;
    return "<b>" + esc(p.name) + "</b><br>" + esc(p.type) + " · " + esc(p.address)
      + "<br><i>No licence or hours in this register.</i><br>"
      + (CHECKS ? "" : "<i>Area checks are for licensing officers and "
         + "analysts (a partner or analyst key).</i>")
      + (!CHECKS ? "" : '<a class="hs-check-link" target="_blank" href="' + base
      + '/report?format=html">Area check (100 m, last 6 months)</a> · '
      + '<a target="_blank" href="' + base + '/report?format=pdf">PDF</a> · '
      + '<a target="_blank" href="' + base + '/check">JSON</a>');
  }
  function draw() {
    group.clearLayers();
    markers = {};
    var zoom = map.getZoom();
    var cells = {};
    points.forEach(function (p) {
      var key = p.id;
      if (zoom < CLUSTER_BELOW) {
        var pt = map.project(p.latlng, zoom);
        key = Math.floor(pt.x / CELL_PX) + ":" + Math.floor(pt.y / CELL_PX);
      }
      (cells[key] = cells[key] || []).push(p);
    });
    Object.keys(cells).forEach(function (key) {
      var members = cells[key];
      if (members.length === 1) {
        var p = members[0];
        var m = L.circleMarker(p.latlng, {radius: 6, weight: 2, color: "#fff",
          fillColor: COLOURS[p.props.type] || "#666", fillOpacity: 0.95,
          className: "hs-premises-marker"}).bindPopup(popup(p.props), {
            autoPanPadding: L.point(12, 12)});
        markers[p.id] = m;
        group.addLayer(m);
        return;
      }
      var lat = 0, lng = 0;
      members.forEach(function (q) { lat += q.latlng.lat; lng += q.latlng.lng; });
      var centre = L.latLng(lat / members.length, lng / members.length);
      var icon = L.divIcon({className: "hs-pcluster", iconSize: [30, 30],
        html: String(members.length)});
      var c = L.marker(centre, {icon: icon, title: members.length + " premises"});
      c.on("click", function () {
        var b = L.latLngBounds(members.map(function (q) { return q.latlng; }));
        map.fitBounds(b.pad(0.3), {maxZoom: CLUSTER_BELOW});
      });
      group.addLayer(c);
    });
    if (pending && markers[pending]) {
      markers[pending].openPopup();
      pending = null;
    }
  }
  var pending = null;  // a premises whose popup opens once it is drawn alone
  function show(id) {
    var p = points.filter(function (q) { return q.id === id; })[0];
    if (!p) { return; }
    pending = id;
    // On a phone the search sits in the drawer: close it to show the map.
    if (window.HS && window.HS.closeDrawer && window.innerWidth < 1000) {
      window.HS.closeDrawer();
    }
    var zoom = map.getZoom();
    map.setView(p.latlng, Math.max(zoom, CLUSTER_BELOW + 1), {animate: false});
    if (map.getZoom() === zoom) { draw(); }  // else zoomend has drawn it
  }
  window.hsPremises = {show: show, draw: draw, count: function () {
    return points.length; }};
  fetch("/api/v1/premises/layer").then(function (r) { return r.json(); })
    .then(function (data) {
      points = data.features.map(function (f) {
        return {id: f.properties.premises_id, props: f.properties,
          latlng: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0])};
      });
      draw();
      document.body.setAttribute("data-premises", String(points.length));
    });
  map.on("zoomend", draw);
  var input = document.getElementById("hs-premises-q");
  var list = document.getElementById("hs-premises-results");
  var timer = null;
  L.DomEvent.disableClickPropagation(document.getElementById("hs-premises-search"));
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (!q) { list.innerHTML = ""; return; }
      fetch("/api/v1/premises?limit=8&q=" + encodeURIComponent(q))
        .then(function (r) { return r.json(); })
        .then(function (res) {
          list.innerHTML = "";
          res.data.forEach(function (r) {
            var li = document.createElement("li");
            li.className = "hs-premises-result";
            li.textContent = r.name + " (" + r.premises_type + ", " + r.postcode + ")";
            li.addEventListener("click", function () { show(r.premises_id); });
            list.appendChild(li);
          });
          if (!res.data.length) { list.innerHTML = "<li>No match</li>"; }
        });
    }, 200);
  });
})();
{% endmacro %}"""
    )

    def __init__(self, fmap: folium.Map, checks: bool) -> None:
        super().__init__()
        self._name = "PremisesLayer"
        self.map_name = fmap.get_name()
        self.checks = checks


def premises_search_html() -> str:
    """The premises search box, placed in the map's panel."""
    return _SEARCH_HTML


def add_premises_layer(fmap: folium.Map, *, checks: bool = True) -> None:
    """Add the premises layer to a map page (its search box is in the panel).

    ``checks``: whether the page's role may open area checks (partner and up);
    if not, a premises popup says who may instead of linking to a refusal.
    """
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<style>{PREMISES_CSS}</style>"))
    _PremisesScript(fmap, checks).add_to(fmap)
