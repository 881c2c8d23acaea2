/* The hotspot map page in the browser (issue 12).
 *
 * The server renders the panels and a config (window.HS.init's second
 * argument); this script fetches every layer from the service's own API
 * (/api/v1/layers/..., /api/v1/incidents, /api/v1/boundaries/...), so the map
 * shows exactly what the API serves the page's role, styles it, writes the
 * legend, keeps the URL in step with the view (history.replaceState) and
 * handles the drawer on narrow screens. A standalone export carries the same
 * answers in cfg.embedded and fetches nothing.
 */
(function () {
  "use strict";

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }

  function fmt(v) {  // a parameter for people: 3 significant figures
    if (v === null || v === undefined) { return "none"; }
    if (typeof v !== "number") { return String(v); }
    if (Math.abs(v) >= 1000) { return Math.round(v).toLocaleString("en-GB"); }
    return String(Number(v.toPrecision(3)));
  }

  function geometricBreaks(low, high, classes) {
    if (high <= low) { return [low, high]; }
    var out = [];
    for (var i = 0; i <= classes; i++) { out.push(low * Math.pow(high / low, i / classes)); }
    return out;
  }

  function classOf(value, edges) {
    for (var i = edges.length - 2; i >= 0; i--) { if (value >= edges[i]) { return i; } }
    return 0;
  }

  function countEdges(top, classes) {
    var edges = [], i;
    if (top <= classes) {
      for (i = 1; i <= top + 1; i++) { edges.push(i); }
      return edges;
    }
    var seen = {};
    geometricBreaks(1, top, classes).slice(0, -1).forEach(function (e) {
      var c = Math.ceil(e - 1e-9);
      if (!seen[c]) { seen[c] = true; edges.push(c); }
    });
    edges.sort(function (a, b) { return a - b; });
    edges.push(top + 1);
    return edges;
  }

  function pText(p) {
    if (p === null || p === undefined) { return "n/a"; }
    return p < 0.001 ? "< 0.001" : p.toFixed(3);
  }

  /* Each method: which features to draw, their colour, popup rows, legend. */
  function styleLayer(method, layer, S, label) {
    var feats = layer.features || [], params = layer.parameters || {};
    var drawn, colour, rows, legendRows, note, opacity = 0.7, outline = 0.3;
    if (method === "gistar") {
      drawn = feats.filter(function (f) { return (f.properties.gistar_bin || 0) !== 0; });
      colour = function (p) { return S.gistar[String(p.gistar_bin)][0]; };
      rows = function (p) {
        var z = p.gistar_z;
        return [["Incidents in cell", fmt(p.n)],
                ["Gi* z-score", z === null || z === undefined ? "n/a" : z.toFixed(2)],
                ["p-value", pText(p.gistar_p)],
                ["Bin", S.gistar[String(p.gistar_bin)][1]]];
      };
      legendRows = S.gistar_order.map(function (b) { return S.gistar[String(b)]; });
      note = drawn.length.toLocaleString("en-GB") + " significant cells of "
        + feats.length.toLocaleString("en-GB")
        + (params.fdr ? "; p-values corrected for multiple testing (FDR)" : "");
    } else if (method === "kde") {
      var top = 0;
      feats.forEach(function (f) { top = Math.max(top, f.properties.density_km2 || 0); });
      var edges = top > 0 ? geometricBreaks(top / S.kde_floor, top, S.kde.length) : [];
      drawn = feats.filter(function (f) {
        return top > 0 && (f.properties.density_km2 || 0) >= edges[0];
      });
      colour = function (p) { return S.kde[classOf(p.density_km2, edges)]; };
      rows = function (p) {
        return [["Density (incidents per km²)", p.density_km2.toLocaleString("en-GB",
          {minimumFractionDigits: 1, maximumFractionDigits: 1})],
                ["Incidents in cell", fmt(p.n)]];
      };
      legendRows = [];
      for (var i = 0; i < edges.length - 1; i++) {
        legendRows.unshift([S.kde[i], Math.round(edges[i]).toLocaleString("en-GB")
          + " – " + Math.round(edges[i + 1]).toLocaleString("en-GB")]);
      }
      note = "Incidents per km² (kernel " + (params.kernel || "") + ", bandwidth "
        + fmt(params.bandwidth_m) + " m, cells " + fmt(params.cell_size_m)
        + " m); lower densities not drawn";
      opacity = 0.75; outline = 0;
    } else if (method === "grid") {
      drawn = feats.filter(function (f) { return (f.properties.n || 0) > 0; });
      var most = 0;
      drawn.forEach(function (f) { most = Math.max(most, Math.round(f.properties.n)); });
      var ce = most ? countEdges(most, S.count.length) : [1, 2];
      var offset = S.count.length - (ce.length - 1);
      colour = function (p) { return S.count[offset + classOf(p.n, ce)]; };
      rows = function (p) { return [["Incidents in cell", fmt(p.n)]]; };
      legendRows = [];
      for (var j = 0; j < ce.length - 1; j++) {
        legendRows.unshift([S.count[offset + j],
          ce[j + 1] - ce[j] === 1 ? String(ce[j]) : ce[j] + " – " + (ce[j + 1] - 1)]);
      }
      note = "Incidents per " + fmt(params.cell_size_m) + " m cell; empty cells not drawn";
    } else {
      drawn = feats;
      colour = function () { return S.cluster; };
      rows = function (p) {
        return [["Rank", p.rank === undefined ? "" : p.rank], ["Incidents", fmt(p.n)],
                ["Area (km²)", (p.area_km2 || 0).toFixed(3)],
                ["Density (per km²)", Math.round(p.density_km2 || 0).toLocaleString("en-GB")]];
      };
      legendRows = [[S.cluster, "Cluster of incidents"]];
      note = "Incidents outside clusters are noise, not drawn";
      opacity = 0.45;
    }
    var trust = params.trust || {};
    var told = trust.text || trust.note;
    if (told) { note += ". How far to trust it: " + told + "."; }
    return {drawn: drawn, colour: colour, rows: rows, opacity: opacity, outline: outline,
            legend: {id: "legend-" + method, title: label, rows: legendRows, note: note}};
  }

  function legendHtml(entry) {
    var rows = entry.rows.map(function (r) {
      return '<li><span class="hs-swatch" style="background:' + esc(r[0]) + '"></span>'
        + esc(r[1]) + "</li>";
    }).join("");
    return '<div id="' + esc(entry.id) + '"><strong>' + esc(entry.title) + "</strong><ul>"
      + rows + "</ul><small>" + esc(entry.note) + "</small></div>";
  }

  function popupHtml(rows) {
    return '<table class="hs-popup">' + rows.map(function (r) {
      return "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>";
    }).join("") + "</table>";
  }

  /* Point in (multi)polygon, for naming the ward of a tapped cell. */
  function inRing(pt, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > pt[1]) !== (yj > pt[1])
          && pt[0] < (xj - xi) * (pt[1] - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function inGeometry(pt, g) {
    if (!g) { return false; }
    var polys = g.type === "Polygon" ? [g.coordinates]
      : g.type === "MultiPolygon" ? g.coordinates : [];
    return polys.some(function (rings) {
      return inRing(pt, rings[0]) && !rings.slice(1).some(function (h) { return inRing(pt, h); });
    });
  }

  function HS() {}
  var hs = new HS();
  window.HS = hs;

  hs.init = function (map, cfg) {
    this.map = map;
    this.cfg = cfg;
    this.wards = null;
    var self = this;
    var body = document.body;
    if (cfg.print) { body.classList.add("hs-print"); }
    function openAll() {
      Array.prototype.forEach.call(document.querySelectorAll(".hs-drawer details"),
        function (d) { d.open = true; });
    }
    if (cfg.print) { openAll(); map.invalidateSize({pan: false}); }  // new size
    window.addEventListener("beforeprint", openAll);
    this.drawer();
    this.control = L.control.layers(null, null, {collapsed: false}).addTo(map);
    var home = document.getElementById("hs-layers");
    if (home) { home.appendChild(this.control.getContainer()); }
    this.hotspots = L.layerGroup();
    this.control.addOverlay(this.hotspots, cfg.labels.hotspots);
    this.hotspots.addTo(map);
    this.wardLayer();
    this.chosenArea();
    this.lazyLayer(cfg.labels.incidents, cfg.urls.incidents, this.incidentLayer);
    this.lazyLayer(cfg.labels.lsoa, cfg.urls.lsoa, this.lsoaLayer);
    if (cfg.streets) { this.streetNames(); }
    this.fit();
    this.ready = this.load(cfg.urls.layer).then(function (layer) {
      self.drawHotspots(layer);
    }).catch(function (err) {
      self.note("Could not load the hotspot layer: " + err.message);
    });
    map.on("moveend", function () { self.remember(); });
    this.remember();  // the URL says what is shown from the start
    map.on("popupopen", function () {
      setTimeout(function () {  // a tap opens a tooltip too: keep only the popup
        map.eachLayer(function (l) {
          var t = l.getTooltip && l.getTooltip();
          if (t && !t.options.permanent) { l.closeTooltip(); }
        });
      }, 0);
    });
  };

  hs.load = function (url) {
    var data = this.cfg.embedded && this.cfg.embedded[url];
    if (data) { return Promise.resolve(data); }
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
      return r.json();
    });
  };

  hs.note = function (text) {
    var el = document.getElementById("hs-legend-body");
    if (el) { el.insertAdjacentHTML("beforeend", '<p class="hs-note">' + esc(text) + "</p>"); }
  };

  hs.popupOptions = function () {
    var size = this.map.getSize();
    return {maxWidth: Math.min(300, size.x - 40), autoPanPadding: L.point(12, 12),
            maxHeight: Math.max(120, size.y - 80)};
  };

  hs.wardOf = function (layer) {
    if (!this.wards) { return ""; }
    var c = layer.getBounds().getCenter(), pt = [c.lng, c.lat];
    var hit = this.wards.features.filter(function (f) { return inGeometry(pt, f.geometry); })[0];
    return hit ? hit.properties.name : "";
  };

  hs.drawHotspots = function (layer) {
    var cfg = this.cfg, self = this;
    var styled = styleLayer(cfg.query.method, layer, cfg.styles, cfg.labels.method);
    var geo = L.geoJSON({type: "FeatureCollection", features: styled.drawn}, {
      style: function (f) {
        return {fillColor: styled.colour(f.properties), color: "#555555",
                weight: styled.outline, stroke: styled.outline > 0,
                fillOpacity: styled.opacity};
      },
      onEachFeature: function (f, l) {
        l.bindPopup(function () {
          var rows = styled.rows(f.properties), ward = self.wardOf(l);
          if (ward) { rows.push(["Ward", ward]); }
          return popupHtml(rows);
        }, self.popupOptions());
      }
    });
    this.hotspots.addLayer(geo);
    if (!styled.drawn.length && cfg.empty) { this.emptyNote(cfg.empty); }
    var legend = document.getElementById("hs-legend-body");
    if (legend) { legend.insertAdjacentHTML("afterbegin", legendHtml(styled.legend)); }
    if (layer.note) { this.note(layer.note); }
    // When the first hotspot was drawn (ms since navigation): the page's speed.
    document.body.setAttribute("data-hotspots-ms", String(Math.round(performance.now())));
    document.body.setAttribute("data-hotspots", String(styled.drawn.length));
  };

  /* Nothing to draw (e.g. a priority no stored source covers): say why on
     the map itself, where a phone user with the drawer shut will see it. */
  hs.emptyNote = function (text) {
    var box = L.control({position: "topright"});
    box.onAdd = function () {
      var el = L.DomUtil.create("div", "hs-empty");
      el.id = "hs-empty";
      el.setAttribute("role", "status");
      el.textContent = text;
      return el;
    };
    box.addTo(this.map);
  };

  hs.wardLayer = function () {
    var self = this, group = L.layerGroup();
    this.control.addOverlay(group, this.cfg.labels.wards);
    group.addTo(this.map);
    this.load(this.cfg.urls.ward).then(function (wards) {
      self.wards = wards;
      if (!self.cfg.tiles) {  // no basemap: the land pale on the sea colour
        L.geoJSON(wards, {interactive: false, style: {fillColor: "#fbfbf7",
          fillOpacity: 1, stroke: false}}).addTo(self.map).bringToBack();
      }
      L.geoJSON(wards, {interactive: false, style: {color: "#333333", weight: 1,
        fill: false}}).addTo(group);
      document.body.setAttribute("data-wards", String(wards.features.length));
      var chosen = self.cfg.chosen && self.cfg.chosen.name;
      self.cfg.ward_labels.forEach(function (w) {
        if (w[0] === chosen) { return; }  // labelled larger as the chosen area
        L.marker([w[1], w[2]], {interactive: false, keyboard: false,
          icon: L.divIcon({className: "hs-ward-icon", iconSize: [160, 14],
            iconAnchor: [80, 7], html: '<div class="ward-label">' + esc(w[0]) + "</div>"})
        }).addTo(group);
      });
    });
  };

  hs.chosenArea = function () {
    var chosen = this.cfg.chosen;
    if (!chosen) { return; }
    var group = L.layerGroup();
    L.geoJSON(chosen.geometry, {interactive: false, className: "hs-chosen-outline",
      style: {color: "#c51b7d", weight: 4, fill: true, fillOpacity: 0.04,
              dashArray: null}}).addTo(group);
    L.marker(chosen.label, {interactive: false, keyboard: false, zIndexOffset: 1000,
      icon: L.divIcon({className: "hs-area-icon", iconSize: [220, 22], iconAnchor: [110, 11],
        html: '<div class="hs-area-label">' + esc(chosen.name) + "</div>"})}).addTo(group);
    this.control.addOverlay(group, this.cfg.labels.chosen);
    group.addTo(this.map);
  };

  /* A layer fetched the first time it is switched on. */
  hs.lazyLayer = function (label, url, draw) {
    if (!url) { return; }
    var self = this, group = L.layerGroup(), loaded = false;
    this.control.addOverlay(group, label);
    group.on("add", function () {
      if (loaded) { return; }
      loaded = true;
      self.load(url).then(function (data) { draw.call(self, group, data); });
    });
  };

  hs.lsoaLayer = function (group, data) {
    L.geoJSON(data, {interactive: false, style: {color: "#777777", weight: 1, fill: false,
      dashArray: "3 3"}}).addTo(group);
  };

  hs.incidentLayer = function (group, data) {
    var self = this, labels = this.cfg.theme_labels;
    function themes(t) {
      if (!t || typeof t !== "object") { return ""; }
      return Object.keys(t).sort().map(function (k) {
        return (labels[k] || k) + " " + t[k];
      }).join(", ");
    }
    L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: 1.5 + Math.sqrt(Math.min(f.properties.n, 100)) / 2,
          weight: 0.6, color: "#222222", fillColor: "#555555", fillOpacity: 0.5});
      },
      onEachFeature: function (f, l) {
        var html = popupHtml([["Incidents here", f.properties.n],
                              ["By theme", themes(f.properties.themes)]]);
        l.bindTooltip(html);
        l.bindPopup(html, self.popupOptions());  // a phone has no hover
      }
    }).addTo(group);
    document.body.setAttribute("data-incidents", String((data.features || []).length));
  };

  /* Street names from police.uk snap points, at street zoom, with no basemap. */
  hs.streetNames = function () {
    var self = this, group = L.layerGroup(), last = "", timer = null;
    var cfg = this.cfg.streets;
    this.control.addOverlay(group, this.cfg.labels.streets);
    group.addTo(this.map);
    function refresh() {
      if (!self.map.hasLayer(group)) { return; }
      if (self.map.getZoom() < cfg.min_zoom) { group.clearLayers(); last = ""; return; }
      var b = self.map.getBounds().pad(0.2);
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
        return v.toFixed(4); }).join(",");
      if (box === last) { return; }
      last = box;
      self.load(cfg.url + "?bbox=" + box).then(function (data) {
        if (box !== last) { return; }
        group.clearLayers();
        // Label boxes in pixels, area and ward names first, then the busiest
        // streets: a street name never covers another label.
        var placed = [];
        var named = self.cfg.ward_labels.map(function (w) { return [w[0], w[1], w[2], 3.4]; });
        if (self.cfg.chosen) {
          var c0 = self.cfg.chosen;
          named.push([c0.name, c0.label[0], c0.label[1], 5]);
        }
        named.forEach(function (n) {
          var p = self.map.latLngToContainerPoint([n[1], n[2]]), w = n[0].length * n[3] + 6;
          placed.push([p.x - w, p.y - 11, p.x + w, p.y + 11]);
        });
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var pt = self.map.latLngToContainerPoint([c[1], c[0]]);
          var half = f.properties.name.length * 3.2 + 4;
          var box = [pt.x - half, pt.y - 9, pt.x + half, pt.y + 9];
          if (placed.some(function (b) {
            return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3];
          })) { return; }
          placed.push(box);
          L.marker([c[1], c[0]], {interactive: false, keyboard: false,
            icon: L.divIcon({className: "hs-street-icon", iconSize: [0, 0],
              html: '<span class="hs-street">' + esc(f.properties.name) + "</span>"})
          }).addTo(group);
        });
        document.body.setAttribute("data-streets", String(data.features.length));
      });
    }
    this.map.on("moveend overlayadd", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 150);
    });
    refresh();
  };

  hs.fit = function () {
    var cfg = this.cfg;
    if (cfg.view || !cfg.bounds) { return; }
    this.map.fitBounds(cfg.bounds, {padding: [12, 12], animate: false});
  };

  /* The URL always says what is shown, including where the map is. */
  hs.remember = function () {
    if (this.cfg.export || !window.history || !window.history.replaceState) { return; }
    var c = this.map.getCenter(), url = new URL(window.location.href);
    var q = this.cfg.query;
    ["theme", "priority", "flag", "method", "from", "to", "area"].forEach(function (k) {
      if (q[k]) { url.searchParams.set(k, q[k]); } else { url.searchParams.delete(k); }
    });
    url.searchParams.set("view", c.lat.toFixed(5) + "," + c.lng.toFixed(5) + ","
      + Number(this.map.getZoom().toFixed(2)));
    window.history.replaceState(null, "", url.pathname + url.search);
    var view = url.searchParams.get("view");
    ["export-link", "hs-print-link"].forEach(function (id) {
      var a = document.getElementById(id);
      if (!a) { return; }
      var u = new URL(a.getAttribute("href"), window.location.href);
      u.searchParams.set("view", view);
      a.setAttribute("href", u.pathname + u.search);
    });
    var form = document.getElementById("hs-view-field");
    if (form) { form.value = view; }
  };

  /* Narrow screens: the panels live in a drawer opened from the top bar. */
  hs.drawer = function () {
    var drawer = document.getElementById("hs-drawer");
    var open = document.getElementById("hs-menu");
    var close = document.getElementById("hs-close");
    if (!drawer || !open) { return; }
    function set(on) {
      drawer.classList.toggle("hs-open", on);
      open.setAttribute("aria-expanded", on ? "true" : "false");
      if (on) { drawer.focus(); }
    }
    hs.openDrawer = function () { set(true); };
    hs.closeDrawer = function () { set(false); };
    open.addEventListener("click", function () { set(!drawer.classList.contains("hs-open")); });
    if (close) { close.addEventListener("click", function () { set(false); }); }
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { set(false); }
    });
    L.DomEvent.disableClickPropagation(drawer);
    L.DomEvent.disableScrollPropagation(drawer);
  };
})();
