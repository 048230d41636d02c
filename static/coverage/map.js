/* The coverage map: points drawn with Leaflet over an optional tile layer.
 *
 * Data comes from two json_script blocks (cov-points, cov-config).  When the tile
 * server is not configured or cannot be reached (closed provincial networks), the
 * map still shows the province's outline box, a coordinate grid, district names
 * and every point on a plain background.
 */
(function () {
  "use strict";
  var el = document.getElementById("cov-map");
  if (!el || typeof L === "undefined") { return; }
  var points = JSON.parse(document.getElementById("cov-points").textContent);
  var config = JSON.parse(document.getElementById("cov-config").textContent);
  var labels = config.labels;
  var COLORS = {
    no_signal: "#d92d20", weak: "#f79009", pending: "#2e90fa", covered: "#12b76a", unknown: "#98a2b3"
  };

  var bounds = L.latLngBounds(config.bounds);
  var map = L.map(el, { preferCanvas: true, minZoom: 7, maxZoom: 17, zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  map.fitBounds(bounds, { padding: [10, 10] });

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Background drawings sit under the points (overlay pane is z-index 400).
  map.createPane("cov-background").style.zIndex = 350;
  // Plain background: the province's bounding box and a 0.1° grid with labels.
  var background = L.layerGroup().addTo(map);
  L.rectangle(bounds, { color: "#0b6e4f", weight: 1.5, dashArray: "6 4", fill: true, fillColor: "#ffffff",
    fillOpacity: 0.55, interactive: false, pane: "cov-background" }).addTo(background);
  var south = config.bounds[0][0], west = config.bounds[0][1], north = config.bounds[1][0], east = config.bounds[1][1];
  var step = 0.1, lat, lon;
  for (lat = Math.ceil(south / step) * step; lat < north; lat += step) {
    L.polyline([[lat, west], [lat, east]], { color: "#d0d5dd", weight: 0.6, interactive: false, pane: "cov-background" }).addTo(background);
    L.marker([lat, west], { interactive: false, pane: "cov-background", icon: L.divIcon({ className: "cov-grid-label",
      html: lat.toFixed(1) + "°N", iconSize: [44, 12], iconAnchor: [46, 6] }) }).addTo(background);
  }
  for (lon = Math.ceil(west / step) * step; lon < east; lon += step) {
    L.polyline([[south, lon], [north, lon]], { color: "#d0d5dd", weight: 0.6, interactive: false, pane: "cov-background" }).addTo(background);
    if (Math.round(lon * 10) % 2) { continue; }
    L.marker([south, lon], { interactive: false, pane: "cov-background", icon: L.divIcon({ className: "cov-grid-label",
      html: lon.toFixed(1) + "°E", iconSize: [50, 12], iconAnchor: [25, -4] }) }).addTo(background);
  }

  // District names at the centre of their points.
  var centres = {};
  points.forEach(function (p) {
    var c = centres[p.district_id] || (centres[p.district_id] = { name: p.district, lat: 0, lon: 0, n: 0 });
    c.lat += p.lat; c.lon += p.lon; c.n += 1;
  });
  Object.keys(centres).forEach(function (id) {
    var c = centres[id];
    L.marker([c.lat / c.n, c.lon / c.n], { interactive: false, keyboard: false, pane: "cov-background",
      icon: L.divIcon({ className: "cov-district-label", html: escapeHtml(c.name), iconSize: [180, 16], iconAnchor: [90, -8] })
    }).addTo(background);
  });

  // Optional tiles; if they fail, hide them and say so (the points stay).
  var note = document.getElementById("cov-tiles-note");
  if (config.tileUrl) {
    var failures = 0;
    var tiles = L.tileLayer(config.tileUrl, { attribution: escapeHtml(config.tileAttribution), maxZoom: 17,
      crossOrigin: false, errorTileUrl: "" });
    tiles.on("tileerror", function (event) {
      failures += 1;
      if (event.tile) { event.tile.style.visibility = "hidden"; }
      if (failures === 1 && note) { note.textContent = labels.tilesFailed; note.hidden = false; }
    });
    tiles.on("tileload", function () { if (note && failures === 0) { note.hidden = true; } });
    tiles.addTo(map);
    tiles.bringToBack();
  }

  function popup(p) {
    var rows = p.signals.length ? p.signals.map(function (s) {
      return "<tr><td>" + escapeHtml(s.label) + "</td><td><strong>" + escapeHtml(s.tech) + "</strong></td></tr>";
    }).join("") : "<tr><td colspan=2>" + escapeHtml(labels.noSignalData) + "</td></tr>";
    var plan = p.stage ? escapeHtml(p.stage_label) + " · " + escapeHtml(p.plan_carrier) : escapeHtml(labels.noPlan);
    return "<div class='cov-popup'><h3>" + escapeHtml(p.name) + "</h3>" +
      "<p>" + escapeHtml(p.kind_label) + (p.school && p.kind === "site" ? " · " + escapeHtml(p.school) : "") + "</p>" +
      (p.commune_today ? "<p>" + escapeHtml(labels.communeToday) + ": <strong>" + escapeHtml(p.commune_today) + "</strong></p>" : "") +
      "<p>" + escapeHtml(labels.commune) + ": " + escapeHtml(p.commune) + " · " + escapeHtml(p.district) + "</p>" +
      "<p><strong>" + escapeHtml(p.status_label) + "</strong>" + (p.ministry ? " · " + escapeHtml(labels.ministry) : "") + "</p>" +
      "<table>" + rows + "</table>" +
      "<p>" + escapeHtml(labels.plan) + ": " + plan + "</p>" +
      "<p>" + escapeHtml(labels.needy) + ": <strong>" + p.needy + "</strong>; " +
      escapeHtml(labels.beneficiaries) + ": <strong>" + p.beneficiaries + "</strong></p>" +
      "<p><a href='" + escapeHtml(p.url) + "'>" + escapeHtml(labels.detail) + " ›</a></p></div>";
  }

  var layer = L.featureGroup().addTo(map);
  points.forEach(function (p) {
    p.marker = L.circleMarker([p.lat, p.lon], {
      radius: p.kind === "village" ? 8 : 7,
      color: p.ministry ? "#1d2939" : "#ffffff",
      weight: p.ministry ? 3 : 1.5,
      fillColor: COLORS[p.status] || COLORS.unknown,
      fillOpacity: 0.92
    }).bindPopup(popup(p)).bindTooltip(escapeHtml(p.name));
  });

  var form = document.getElementById("cov-filters");
  var count = document.getElementById("cov-count");
  function value(name) {
    var field = form && form.elements[name];
    if (!field) { return ""; }
    return field.type === "checkbox" ? (field.checked ? "1" : "") : field.value;
  }
  function matches(p, f) {
    if (f.district && String(p.district_id) !== f.district) { return false; }
    if (f.carrier && p.carriers.indexOf(f.carrier) < 0) { return false; }
    if (f.kind && p.kind !== f.kind) { return false; }
    if (f.stage === "none" && p.stage) { return false; }
    if (f.stage && f.stage !== "none" && String(p.stage) !== f.stage) { return false; }
    if (f.status && p.status !== f.status) { return false; }
    if (f.ministry && !p.ministry) { return false; }
    return true;
  }
  function refresh(fit) {
    var f = { district: value("district"), carrier: value("carrier"), kind: value("kind"),
      stage: value("stage"), status: value("status"), ministry: value("ministry") };
    layer.clearLayers();
    var shown = 0;
    points.forEach(function (p) { if (matches(p, f)) { layer.addLayer(p.marker); shown += 1; } });
    if (count) { count.textContent = shown + " / " + points.length + " " + labels.shown; }
    fitTo(shown && (f.district || !fit) ? layer.getBounds() : null);
  }
  // Show the points of the user's scope (a school sees its own few), else the province.
  function fitTo(pointBounds) {
    if (pointBounds && pointBounds.isValid()) {
      map.fitBounds(pointBounds.pad(0.25), { maxZoom: 12, padding: [20, 20] });
    } else {
      map.fitBounds(bounds, { padding: [10, 10] });
    }
  }
  if (form) {
    form.addEventListener("change", function () {
      refresh(true);
      if (window.history && window.history.replaceState) {
        var params = new URLSearchParams(new FormData(form));
        Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) { params.delete(k); } });
        window.history.replaceState(null, "", "?" + params.toString());
      }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); refresh(true); });
  }
  refresh(false);
})();
