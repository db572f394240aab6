// The network chart (/graph, /graph/charts/<id>) and the list of saved charts (/graph/charts).
//
// Everything the chart shows comes from the JSON API (/api/v1/graph/*, /api/v1/charts),
// which applies the user's visibility; this script only draws it. Cytoscape.js renders
// on a canvas; node and edge ids are the API's ids ("person:<uuid>", "notice:<token>").
// Labels come translated from the page (#chart-config). No inline scripts or styles (CSP).
"use strict";

(() => {
  const configElement = document.getElementById("chart-config");
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent);
  const L = config.labels;
  const lang = config.lang || document.documentElement.lang || "en";
  const numbers = new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB");

  /** A translated label with its %(name)s placeholders filled in. */
  function t(key, params) {
    let text = L[key] || key;
    for (const [name, value] of Object.entries(params || {})) {
      const shown = typeof value === "number" ? numbers.format(value) : String(value);
      text = text.split(`%(${name})s`).join(shown);
    }
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("data-")) node.setAttribute(name, value);
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ------------------------------------------------------------------ the API

  class ChartError extends Error {}

  function errorText(data) {
    if (!data) return "";
    if (Array.isArray(data.errors) && data.errors.length) {
      const shown = data.errors.slice(0, 3).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
      if (data.errors.length > 3) shown.push(`… (${data.errors.length})`);
      return shown.join("; ");
    }
    const detail = data.detail !== undefined ? data.detail : data.message;
    if (Array.isArray(detail)) {
      return detail.map((d) => (d.loc ? `${d.loc.slice(1).join(".")}: ${d.msg}` : d.msg || String(d))).join("; ");
    }
    if (detail && typeof detail === "object") return detail.message || JSON.stringify(detail);
    return detail || data.error || "";
  }

  function csrfToken() {
    const holder = document.querySelector("[data-csrf]");
    return holder ? holder.dataset.csrf : "";
  }

  async function request(method, url, body) {
    const options = { method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (method !== "GET") options.headers["X-CSRF-Token"] = csrfToken();
    let response;
    try {
      response = await fetch(url, options);
    } catch (_) {
      throw new ChartError(t("network_error"));
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        message = errorText(await response.json()) || message;
      } catch (_) { /* not JSON: keep the status line */ }
      throw new ChartError(t("error", { message }));
    }
    return response;
  }

  const api = {
    get: async (url) => (await request("GET", url)).json(),
    post: async (url, body) => (await request("POST", url, body)).json(),
    put: async (url, body) => (await request("PUT", url, body)).json(),
    del: async (url) => request("DELETE", url),
    raw: request,
  };

  if (document.getElementById("charts-list")) {
    savedChartsPage();
    return;
  }
  const root = document.getElementById("network-chart");
  if (!root || typeof window.cytoscape !== "function") return;

  // ------------------------------------------------------------------ look

  const KINDS = {
    profile: { shape: "ellipse", colour: "#1d5fa8" },
    person: { shape: "ellipse", colour: "#3d8bd9" },
    organisation: { shape: "round-rectangle", colour: "#8e44ad" },
    vehicle: { shape: "barrel", colour: "#e67e22" },
    phone: { shape: "round-diamond", colour: "#12715b" },
    document: { shape: "tag", colour: "#7a6a3a" },
    location: { shape: "round-triangle", colour: "#2c8fbf" },
    seizure: { shape: "star", colour: "#d0453a" },
    report: { shape: "cut-rectangle", colour: "#9a5b00" },
    notice: { shape: "ellipse", colour: "#c4cad2" },
  };
  const PALETTE = [
    "#1d5fa8", "#d0453a", "#2f9e6f", "#e67e22", "#8e44ad", "#2c8fbf", "#c2185b", "#7a6a3a",
    "#5c6bc0", "#00897b", "#f5b700", "#6d4c41", "#43a047", "#ad1457", "#546e7a", "#9e9d24",
  ];
  const NOTICE_GREY = "#c4cad2";
  const HANDLING_COLOURS = { H0: "#12715b", H1: "#1d5fa8", H2: "#d08a00", H3: "#b42318" };
  const BASE_SIZE = 26;
  const HANDLING = ["H0", "H1", "H2", "H3"];
  const QUESTION_ICON = "data:image/svg+xml;utf8," + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    '<text x="16" y="23" font-family="Arial, sans-serif" font-size="20" font-weight="700" ' +
    'text-anchor="middle" fill="#4a5462">?</text></svg>'
  );

  function chartStyle(large) {
    const style = [
      {
        selector: "node",
        style: {
          width: "data(size)",
          height: "data(size)",
          "background-color": "data(colour)",
          "border-width": 1,
          "border-color": "#ffffff",
          label: "data(label)",
          "font-size": 10,
          "font-family": "Segoe UI, system-ui, Arial, sans-serif",
          color: "#17202b",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-wrap": "ellipsis",
          "text-max-width": 140,
          "min-zoomed-font-size": 8,
          "text-outline-width": large ? 0 : 2,
          "text-outline-color": "#ffffff",
        },
      },
    ];
    for (const [kind, look] of Object.entries(KINDS)) {
      style.push({ selector: `node[kind = "${kind}"]`, style: { shape: look.shape } });
    }
    style.push(
      { selector: 'node[kind = "profile"]', style: { "border-width": 3, "border-style": "double", "border-color": "#0f2a3f" } },
      {
        selector: "node.notice",
        style: {
          "background-color": NOTICE_GREY,
          "border-width": 2,
          "border-style": "dashed",
          "border-color": "#6b7686",
          "background-image": QUESTION_ICON,
          "background-fit": "contain",
          "background-clip": "none",
          color: "#5b6675",
          "font-style": "italic",
        },
      },
      {
        selector: "edge",
        style: {
          width: 1,
          "line-color": "#aab4c0",
          "curve-style": large ? "haystack" : "straight",
          "haystack-radius": 0,
          opacity: 0.8,
        },
      },
      { selector: 'edge[type = "in_report"]', style: { "line-style": "dashed", "line-color": "#c9b48a" } },
      { selector: "node.focus", style: { "border-width": 4, "border-color": "#f5b700", "border-style": "solid" } },
      { selector: "node.group-a", style: { "border-width": 4, "border-color": "#1d5fa8", "border-style": "solid" } },
      { selector: "node.group-b", style: { "border-width": 4, "border-color": "#c2185b", "border-style": "solid" } },
      { selector: ".faded", style: { opacity: 0.12, "text-opacity": 0 } },
      {
        selector: "node.path",
        style: {
          "border-width": 5, "border-color": "#d0453a", "border-style": "solid", "z-index": 20, "min-zoomed-font-size": 0,
          "font-weight": 700, "font-size": 16, "text-outline-width": 3, "text-outline-color": "#fff", width: 36, height: 36,
        },
      },
      {
        selector: "edge.path",
        style: {
          width: 6, "line-color": "#d0453a", "z-index": 20, opacity: 1, label: "data(typeLabel)",
          "font-size": 13, color: "#8a1a12", "text-rotation": "autorotate", "text-outline-width": 2, "text-outline-color": "#fff",
        },
      },
      { selector: "node.flash", style: { "border-width": 6, "border-color": "#f5b700", "border-style": "solid", "z-index": 30 } },
      { selector: "edge.flash", style: { width: 5, "line-color": "#f5b700", "z-index": 30, opacity: 1 } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#0f2a3f", "border-style": "solid", "min-zoomed-font-size": 0 } },
      { selector: "edge:selected", style: { width: 3, "line-color": "#0f2a3f", label: "data(typeLabel)", "font-size": 9, "text-rotation": "autorotate" } },
      { selector: "node.notice:selected", style: { "border-style": "dashed", "border-color": "#0f2a3f" } },
      { selector: ".hidden", style: { display: "none" } },
    );
    return style;
  }

  // ------------------------------------------------------------------ state and DOM

  const $ = (id) => document.getElementById(id);
  const form = $("chart-filters");
  const ui = {
    message: $("chart-message"),
    empty: $("chart-empty"),
    busy: $("chart-busy"),
    busyText: $("chart-busy").querySelector("[data-busy-text]"),
    counts: $("chart-counts"),
    banner: $("chart-banner"),
    truncated: $("chart-truncated"),
    details: $("node-details"),
    timeline: $("timeline-list"),
    timelineTitle: $("timeline-title"),
    timelineEmpty: $("timeline-empty"),
    layout: $("v-layout"),
    colour: $("v-colour"),
    size: $("v-size"),
    unhide: $("v-unhide"),
    legendColours: $("legend-colours"),
    pathMessage: $("path-message"),
    pathList: $("path-list"),
    groupsMessage: $("groups-message"),
  };

  const state = {
    roots: [],
    chartId: root.dataset.chartId || "",
    chartName: "",
    truncated: new Map(),
    analysis: null,
    analysisVersion: -1,
    version: 0,
    paths: [],
    groups: { a: new Set(), b: new Set() },
    selectionOrder: [],
    large: false,
  };

  const cy = window.cytoscape({
    container: $("cy"),
    elements: [],
    style: chartStyle(false),
    layout: { name: "preset" },
    minZoom: 0.02,
    maxZoom: 4,
    // Fluid with thousands of elements: draw a cached picture while panning and zooming,
    // leave out edges meanwhile, and never render above one pixel per pixel. Labels go
    // when zoomed out (min-zoomed-font-size) but stay while panning a zoomed-in chart,
    // where there are few enough of them to read.
    textureOnViewport: true,
    hideEdgesOnViewport: true,
    pixelRatio: 1,
    motionBlur: false,
    boxSelectionEnabled: true,
    selectionType: "single",
  });

  /** Count work in flight on the root (``data-pending``), so a page or a test can wait for it. */
  let pending = 0;
  function track(work) {
    pending += 1;
    root.dataset.pending = String(pending);
    return Promise.resolve(work).finally(() => {
      pending -= 1;
      root.dataset.pending = String(pending);
    });
  }

  function busy(text) {
    ui.busy.hidden = !text;
    ui.busyText.textContent = text || "";
  }

  function say(text, kind) {
    ui.message.hidden = !text;
    ui.message.textContent = text || "";
    ui.message.className = `chart-message notice ${kind === "error" ? "notice-error" : kind === "ok" ? "notice-success" : "notice-info"}`;
    shifted();
  }

  // Cytoscape caches where its canvas is on the page. When a message, the banner or the
  // toolbar above it changes height, the canvas moves: tell Cytoscape, or clicks land on
  // the wrong node.
  function shifted() {
    cy.resize();
  }
  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver(shifted);
    for (const above of [form, ui.banner, ui.message, ui.truncated, root.querySelector(".chart-viewbar"), root.querySelector(".chart-head")]) {
      if (above) observer.observe(above);
    }
  }

  function fail(error) {
    busy("");
    const text = error instanceof ChartError ? error.message : t("error", { message: String(error && error.message ? error.message : error) });
    say(text, "error");
    return null;
  }

  // ------------------------------------------------------------------ filters

  function readFilters() {
    const data = new FormData(form);
    const allTypes = form.querySelectorAll('input[name="link_types"]');
    const types = data.getAll("link_types");
    const filters = {};
    if (types.length && types.length < allTypes.length) filters.link_types = types;
    for (const name of ["date_from", "date_to", "min_grade"]) {
      const value = String(data.get(name) || "").trim();
      if (value) filters[name] = value;
    }
    const agencies = data.getAll("agencies");
    if (agencies.length) filters.agencies = agencies;
    return filters;
  }

  function writeFilters(filters) {
    filters = filters || {};
    const types = new Set(filters.link_types || []);
    form.querySelectorAll('input[name="link_types"]').forEach((box) => {
      box.checked = types.size === 0 || types.has(box.value);
    });
    const agencies = new Set(filters.agencies || []);
    form.querySelectorAll('input[name="agencies"]').forEach((box) => { box.checked = agencies.has(box.value); });
    for (const name of ["date_from", "date_to", "min_grade"]) form.elements[name].value = filters[name] || "";
    filterCounts();
  }

  function filterCounts() {
    const types = form.querySelectorAll('input[name="link_types"]');
    const typesOn = form.querySelectorAll('input[name="link_types"]:checked').length;
    $("types-count").textContent = typesOn === types.length ? "∗" : String(typesOn);
    const agenciesOn = form.querySelectorAll('input[name="agencies"]:checked').length;
    $("agencies-count").textContent = agenciesOn ? String(agenciesOn) : "∗";
  }

  function filterQuery(filters) {
    const query = new URLSearchParams();
    if (filters.link_types) query.set("types", filters.link_types.join(","));
    if (filters.agencies) query.set("agencies", filters.agencies.join(","));
    for (const name of ["date_from", "date_to", "min_grade"]) if (filters[name]) query.set(name, filters[name]);
    return query;
  }

  // ------------------------------------------------------------------ merging views

  function nodeLook(node) {
    const look = KINDS[node.kind] || KINDS.person;
    return node.notice ? NOTICE_GREY : look.colour;
  }

  function nodeData(node) {
    return {
      id: node.id,
      kind: node.notice ? "notice" : node.kind,
      recordKind: node.kind,
      // A notice says only who holds how many: written here, in the page's language.
      label: node.notice
        ? t("notice_label", { agency: (node.agencies || [])[0] || "?", n: node.members || 1 })
        : node.label || node.id,
      agencies: node.agencies || [],
      handling_code: node.handling_code || "H0",
      grade: node.grade || null,
      date: node.date || null,
      members: node.members || 1,
      notice: Boolean(node.notice),
      degree: node.degree || 0,
      colour: nodeLook(node),
      size: node.notice ? BASE_SIZE * 0.85 : BASE_SIZE,
    };
  }

  function edgeData(edge) {
    return {
      id: edge.id,
      source: edge.source,
      target: edge.target,
      type: edge.type,
      typeLabel: config.link_types[edge.type] || edge.type,
      agency: edge.agency || "",
      handling_code: edge.handling_code || "H0",
      grade: edge.grade || null,
      valid_from: edge.valid_from || null,
      valid_to: edge.valid_to || null,
      report: edge.report || null,
    };
  }

  /** Free positions on a sunflower spiral around ``centre``: new nodes land near their
   *  origin without covering a node already there. */
  function spiral(centre, count) {
    const cell = 40;
    const taken = new Set();
    const key = (x, y) => `${Math.round(x / cell)},${Math.round(y / cell)}`;
    cy.nodes().forEach((n) => {
      const p = n.position();
      taken.add(key(p.x, p.y));
    });
    const positions = [];
    for (let n = 0; positions.length < count && n < count * 50 + 1000; n += 1) {
      const radius = 60 + 22 * Math.sqrt(n + 1);
      const angle = n * 2.39996;
      const x = centre.x + radius * Math.cos(angle);
      const y = centre.y + radius * Math.sin(angle);
      const k = key(x, y);
      if (taken.has(k)) continue;
      taken.add(k);
      positions.push({ x, y });
    }
    while (positions.length < count) positions.push({ x: centre.x, y: centre.y });
    return positions;
  }

  /** Add a GraphView's nodes and edges (updating those already there); returns new node ids. */
  function merge(view, origin, quiet) {
    const added = [];
    cy.batch(() => {
      const fresh = [];
      for (const node of view.nodes || []) {
        const existing = cy.getElementById(node.id);
        if (existing.nonempty()) {
          const data = nodeData(node);
          delete data.colour;
          delete data.size;
          existing.data(data);
          existing.toggleClass("notice", Boolean(node.notice));
          existing.removeClass("hidden");
          continue;
        }
        fresh.push(node);
      }
      let centre = { x: 0, y: 0 };
      if (origin && origin.nonempty && origin.nonempty()) centre = origin.position();
      else if (cy.nodes().nonempty()) {
        const box = cy.nodes().boundingBox();
        centre = { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
      }
      const positions = spiral(centre, fresh.length);
      cy.add(fresh.map((node, i) => ({
        group: "nodes",
        data: nodeData(node),
        position: positions[i],
        classes: node.notice ? "notice" : "",
      })));
      added.push(...fresh.map((n) => n.id));
      const edges = [];
      for (const edge of view.edges || []) {
        if (cy.getElementById(edge.id).nonempty()) continue;
        if (cy.getElementById(edge.source).empty() || cy.getElementById(edge.target).empty()) continue;
        edges.push({ group: "edges", data: edgeData(edge) });
      }
      cy.add(edges);
    });
    for (const cut of view.truncated || []) state.truncated.set(cut.node, cut);
    if (!quiet && view.messages && view.messages.length) say(view.messages.join(" "), "info");
    for (const id of view.focus || []) cy.getElementById(id).addClass("focus");
    if (added.length) state.version += 1;
    refresh();
    return added;
  }

  function clearChart() {
    cy.elements().remove();
    state.truncated.clear();
    state.paths = [];
    state.groups.a.clear();
    state.groups.b.clear();
    state.version += 1;
    ui.pathList.replaceChildren();
    ui.pathMessage.textContent = "";
    ui.groupsMessage.textContent = "";
    showNode(null);
  }

  /** Counts, banner, truncation notes, empty state and the edge style for the size. */
  function refresh() {
    const nodes = cy.nodes().not(".hidden");
    const edges = cy.edges().filter((e) => !e.source().hasClass("hidden") && !e.target().hasClass("hidden"));
    ui.counts.textContent = t("counts", { nodes: nodes.length, edges: edges.length });
    const large = cy.elements().length > 1500;
    if (large !== state.large) {
      state.large = large;
      cy.style(chartStyle(large));
    }
    let highest = -1;
    cy.elements().forEach((item) => {
      const rank = HANDLING.indexOf(item.data("handling_code"));
      if (rank > highest) highest = rank;
    });
    if (highest >= 0) {
      const code = HANDLING[highest];
      ui.banner.hidden = false;
      ui.banner.className = `handling-banner handling-${code.toLowerCase()}`;
      ui.banner.replaceChildren(
        el("span", { class: `badge badge-${code.toLowerCase()}`, text: code }),
        " ",
        el("span", { text: t("handling_banner", { code, description: config.handling[code] || "" }) }),
      );
      ui.banner.dataset.code = code;
    } else {
      ui.banner.hidden = true;
    }
    const cuts = [...state.truncated.values()].filter((cut) => cy.getElementById(cut.node).nonempty());
    ui.truncated.hidden = cuts.length === 0;
    if (cuts.length) {
      ui.truncated.querySelector("summary").textContent = `${t("truncated_title")} (${cuts.length})`;
      ui.truncated.querySelector("ul").replaceChildren(...cuts.map((cut) => {
        const node = cy.getElementById(cut.node);
        const text = t("truncated", { shown: cut.shown, total: cut.total, node: node.data("label") || cut.node });
        return el("li", { "data-node": cut.node }, el("button", { type: "button", class: "link-button", text, onclick: () => track(focusNode(cut.node)) }));
      }));
    }
    const hidden = cy.nodes(".hidden").length;
    ui.unhide.hidden = hidden === 0;
    ui.unhide.textContent = t("show_hidden", { n: hidden });
    showEmpty(cy.nodes().empty() ? t("empty") : "");
    shifted();
  }

  function showEmpty(text) {
    ui.empty.hidden = !text;
    ui.empty.textContent = text || "";
  }

  // ------------------------------------------------------------------ layouts

  function visibleNodes() {
    return cy.nodes().not(".hidden");
  }

  /** Move the viewport smoothly; resolves when it is there. (An animation stopped by the
   *  next move never says it completed, hence the timer.) */
  function move(to) {
    cy.stop(true, true);
    if (to.fit) to = view(to.fit.eles, to.fit.padding);
    const duration = 250;
    return Promise.race([
      cy.animation({ ...to, duration }).play().promise(),
      new Promise((resolve) => { setTimeout(resolve, duration + 100); }),
    ]);
  }

  /** The zoom and pan that show ``eles`` whole (never closer than MAX_FIT_ZOOM: a few
   *  nodes are not blown up to fill the screen). */
  const MAX_FIT_ZOOM = 1.4;
  function view(eles, padding) {
    const box = eles.boundingBox({ includeLabels: false, includeOverlays: false });
    const width = cy.width();
    const height = cy.height();
    let zoom = Math.min((width - 2 * padding) / Math.max(box.w, 1), (height - 2 * padding) / Math.max(box.h, 1));
    zoom = Math.max(cy.minZoom(), Math.min(zoom, MAX_FIT_ZOOM));
    const cx = (box.x1 + box.x2) / 2;
    const cyy = (box.y1 + box.y2) / 2;
    return { zoom, pan: { x: width / 2 - zoom * cx, y: height / 2 - zoom * cyy } };
  }

  /** Fit the chart (labels need room at the edges). */
  function fit(eles) {
    const target = eles || visibleNodes();
    if (target.empty()) return;
    cy.viewport(view(target, 50));
  }

  async function runLayout(name) {
    name = name || ui.layout.value;
    const nodes = visibleNodes();
    if (nodes.empty()) return;
    if (name === "force") {
      busy(t("laying_out", { n: nodes.length }));
      try {
        const ids = new Set(nodes.map((n) => n.id()));
        const edges = cy.edges().filter((e) => ids.has(e.data("source")) && ids.has(e.data("target")))
          .map((e) => [e.data("source"), e.data("target")]);
        const result = await api.post("/api/v1/graph/layout", { nodes: [...ids], edges, algorithm: "force" });
        applyPositions(result.positions || {}, true);
        cy.container().dataset.layout = "force";
      } catch (error) {
        fail(error);
        runLayout("concentric");
        return;
      } finally {
        busy("");
      }
      return;
    }
    const options = { name, animate: false, fit: false, nodeDimensionsIncludeLabels: false, stop: () => fit(nodes) };
    if (name === "concentric") {
      // Rings filled from the centre, most-linked nodes first, each ring a little larger
      // than the last: a disc, not one huge ring of the many nodes of equal degree.
      const ring = new Map();
      const ranked = nodes.sort((x, y) => y.degree() - x.degree());
      let index = 0;
      let capacity = 1;
      let filled = 0;
      ranked.forEach((n) => {
        if (filled >= capacity) {
          index += 1;
          filled = 0;
          capacity = 10 * index;
        }
        ring.set(n.id(), index);
        filled += 1;
      });
      Object.assign(options, { concentric: (n) => 100000 - ring.get(n.id()), levelWidth: () => 1, minNodeSpacing: 8 });
    } else if (name === "breadthfirst") {
      const roots = nodes.filter((n) => n.hasClass("focus"));
      Object.assign(options, { directed: false, spacingFactor: 1.1, roots: roots.nonempty() ? roots : undefined, grid: false });
    } else if (name === "grid") {
      Object.assign(options, { avoidOverlap: true, condense: true });
    } else if (name === "circle") {
      Object.assign(options, { avoidOverlap: nodes.length < 300 });
    }
    nodes.layout(options).run();
    cy.container().dataset.layout = name;
  }

  /** Positions from the server (any scale) or a saved chart, spread to suit the node count. */
  function applyPositions(positions, rescale) {
    const entries = Object.entries(positions)
      .filter(([id]) => cy.getElementById(id).nonempty())
      .map(([id, p]) => [id, Array.isArray(p) ? p : [p.x, p.y]]);
    if (!entries.length) return;
    let scale = 1;
    let cx = 0;
    let cy0 = 0;
    if (rescale) {
      let minX = Infinity; let maxX = -Infinity; let minY = Infinity; let maxY = -Infinity;
      for (const [, [x, y]] of entries) {
        minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
      const span = Math.max(maxX - minX, maxY - minY) || 1;
      const wanted = Math.max(300, Math.sqrt(entries.length) * 75);
      scale = wanted / span;
      cx = (minX + maxX) / 2;
      cy0 = (minY + maxY) / 2;
    }
    cy.batch(() => {
      for (const [id, [x, y]] of entries) cy.getElementById(id).position({ x: (x - cx) * scale, y: (y - cy0) * scale });
    });
    fit();
  }

  // ------------------------------------------------------------------ colour and size

  async function analysis() {
    if (state.analysis && state.analysisVersion === state.version) return state.analysis;
    const ids = cy.nodes().filter((n) => !n.data("notice")).map((n) => n.id());
    busy(t("analysing"));
    try {
      state.analysis = await api.post("/api/v1/graph/analyse", { nodes: ids });
      state.analysisVersion = state.version;
    } finally {
      busy("");
    }
    return state.analysis;
  }

  const agencyColours = new Map();
  function agencyColour(code) {
    if (!agencyColours.has(code)) agencyColours.set(code, PALETTE[agencyColours.size % PALETTE.length]);
    return agencyColours.get(code);
  }

  async function applyColour() {
    const mode = ui.colour.value;
    let communities = null;
    if (mode === "community") {
      try {
        communities = (await analysis()).communities || {};
      } catch (error) {
        return fail(error);
      }
    }
    const legend = new Map();
    cy.batch(() => {
      cy.nodes().forEach((node) => {
        let colour = nodeLook({ kind: node.data("recordKind"), notice: node.data("notice") });
        if (!node.data("notice")) {
          if (mode === "community") {
            const group = communities[node.id()];
            if (group !== undefined) {
              colour = PALETTE[group % PALETTE.length];
              if (!legend.has(`#${group + 1}`)) legend.set(`#${group + 1}`, colour);
            } else colour = "#98a2b3";
          } else if (mode === "handling_code") {
            const code = node.data("handling_code");
            colour = HANDLING_COLOURS[code] || "#98a2b3";
            legend.set(code, colour);
          } else if (mode === "agency") {
            const code = (node.data("agencies") || [])[0] || "";
            colour = agencyColour(code);
            legend.set(code, colour);
          }
        }
        node.data("colour", colour);
      });
    });
    ui.legendColours.hidden = mode === "kind";
    const entries = [...legend.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
    const items = entries.slice(0, 16).map(([name, colour]) => el("li", {},
      swatch(colour), name));
    ui.legendColours.replaceChildren(...items);
    cy.container().dataset.colourBy = mode;
    return true;
  }

  function swatch(colour) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 10 10");
    svg.setAttribute("class", "colour-swatch");
    svg.setAttribute("aria-hidden", "true");
    const dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    dot.setAttribute("cx", "5"); dot.setAttribute("cy", "5"); dot.setAttribute("r", "5");
    dot.setAttribute("fill", colour);
    svg.append(dot);
    return svg;
  }

  async function applySize() {
    const mode = ui.size.value;
    let values = null;
    if (mode !== "none") {
      try {
        values = ((await analysis()).centrality || {})[mode] || {};
      } catch (error) {
        return fail(error);
      }
    }
    const max = values ? Math.max(0, ...Object.values(values)) || 1 : 1;
    cy.batch(() => {
      cy.nodes().forEach((node) => {
        let size = node.data("notice") ? BASE_SIZE * 0.85 : BASE_SIZE;
        if (values && !node.data("notice")) size = 16 + 54 * Math.sqrt(Math.max(0, values[node.id()] || 0) / max);
        node.data("size", size);
      });
    });
    cy.container().dataset.sizeBy = mode;
    return true;
  }

  async function restyle() {
    if (ui.colour.value !== "kind") await applyColour();
    if (ui.size.value !== "none") await applySize();
  }

  // ------------------------------------------------------------------ loading

  function setRoots(ids) {
    state.roots = ids.filter(Boolean);
    cy.nodes().removeClass("focus");
    for (const id of state.roots) cy.getElementById(id).addClass("focus");
  }

  /** Start again from the start node(s) with the toolbar's hops and filters. */
  async function load() {
    const typed = form.elements.node.value.trim();
    if (typed) state.roots = [typed];
    if (!state.roots.length) {
      clearChart();
      showEmpty(t("no_start"));
      return;
    }
    if (form.querySelectorAll('input[name="link_types"]:checked').length === 0) {
      say(t("empty"), "error");
      return;
    }
    const filters = readFilters();
    const hops = Number(form.elements.hops.value) || 1;
    const cap = Number(form.elements.cap.value) || 200;
    say("");
    busy(t("loading"));
    let view;
    try {
      if (state.roots.length === 1) {
        const query = filterQuery(filters);
        query.set("node", state.roots[0]);
        query.set("hops", String(hops));
        query.set("cap", String(cap));
        view = await api.get(`/api/v1/graph/neighbours?${query}`);
      } else {
        view = await api.post("/api/v1/graph/expand", { nodes: state.roots, hops, filters, cap });
      }
    } catch (error) {
      return fail(error);
    }
    clearChart();
    merge(view, null);
    const focus = view.focus && view.focus.length ? view.focus : state.roots;
    setRoots(focus.filter((id) => cy.getElementById(id).nonempty()).length ? focus : state.roots);
    busy("");
    await runLayout();
    await restyle();
    const start = cy.getElementById(state.roots[0]);
    if (start.nonempty()) {
      start.select();
    }
    return view;
  }

  async function expand(id) {
    const node = cy.getElementById(id);
    if (node.empty()) return;
    if (node.data("notice")) {
      say(t("notice_no_expand"), "error");
      return;
    }
    say("");
    busy(t("loading"));
    let view;
    try {
      view = await api.post("/api/v1/graph/expand", {
        nodes: [id], hops: 1, filters: readFilters(), cap: Number(form.elements.cap.value) || 200,
      });
    } catch (error) {
      return fail(error);
    }
    busy("");
    const added = merge(view, node);
    say(added.length ? t("expanded", { n: added.length }) : t("expanded_none"), "ok");
    if (added.length) {
      await move({ fit: { eles: node.closedNeighborhood(), padding: 60 } });
      await restyle();
    }
    showNode(node);
    return added;
  }

  function hideNode(id) {
    const node = cy.getElementById(id);
    node.unselect();
    node.addClass("hidden");
    refresh();
    showNode(null);
  }

  function removeNode(id) {
    const node = cy.getElementById(id);
    state.groups.a.delete(id);
    state.groups.b.delete(id);
    node.remove();
    state.version += 1;
    refresh();
    groupCounts();
    showNode(null);
  }

  function focusNode(id) {
    const node = cy.getElementById(id);
    if (node.empty()) return;
    cy.elements().unselect();
    node.removeClass("hidden");
    node.select();
    return move({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1) });
  }

  // ------------------------------------------------------------------ side panel

  function recordUrl(data) {
    const pattern = config.pages[data.recordKind];
    if (!pattern || data.notice) return "";
    const uuid = data.id.includes(":") ? data.id.slice(data.id.indexOf(":") + 1) : data.id;
    return pattern.replace("{}", encodeURIComponent(uuid));
  }

  let timelineFor = "";

  function showNode(node) {
    if (!node || node.empty()) {
      ui.details.replaceChildren(el("p", { class: "muted", text: t("select_node") }));
      ui.details.removeAttribute("data-node");
      ui.timeline.replaceChildren();
      ui.timelineTitle.textContent = t("timeline");
      ui.timelineEmpty.textContent = "";
      timelineFor = "";
      return;
    }
    const d = node.data();
    const shown = node.connectedEdges().length;
    const facts = el("dl", { class: "meta node-facts" },
      el("dt", { text: t("kind") }), el("dd", { text: config.kinds[d.notice ? "notice" : d.recordKind] || d.recordKind }),
      el("dt", { text: t("agencies") }), el("dd", {}, ...(d.agencies || []).map((code) => el("span", { class: "agency-tag", text: code }))),
      el("dt", { text: t("handling") }), el("dd", {}, el("span", { class: `badge badge-${String(d.handling_code).toLowerCase()}`, title: config.handling[d.handling_code] || "", text: d.handling_code })),
    );
    if (d.grade) facts.append(el("dt", { text: t("grade") }), el("dd", {}, el("span", { class: "chip chip-grade", text: d.grade })));
    if (d.date) facts.append(el("dt", { text: t("date") }), el("dd", { class: "mono", text: d.date }));
    if (d.members > 1) facts.append(el("dt", { text: t("members") }), el("dd", { text: numbers.format(d.members) }));
    if (!d.notice) {
      facts.append(el("dt", { text: t("links_shown") }), el("dd", { class: "mono", "data-links-shown": true, text: t("links_shown_of", { shown, total: Math.max(shown, d.degree) }) }));
    }
    const url = recordUrl(d);
    const actions = el("div", { class: "node-actions" },
      el("button", { type: "button", class: "btn btn-secondary btn-small", "data-action": "expand", disabled: d.notice, title: d.notice ? t("notice_no_expand") : null, text: t("expand"), onclick: () => track(expand(d.id)) }),
      el("button", { type: "button", class: "btn btn-ghost btn-small", "data-action": "hide", text: t("hide"), onclick: () => hideNode(d.id) }),
      el("button", { type: "button", class: "btn btn-ghost btn-small", "data-action": "remove", text: t("remove"), onclick: () => removeNode(d.id) }),
    );
    if (!d.notice) {
      // A hit notice is no node the API can walk from: no paths or groups from it.
      actions.append(
        el("button", { type: "button", class: "btn btn-ghost btn-small", "data-action": "path-a", text: t("set_a"), onclick: () => { $("path-a").value = d.id; showTab("path"); } }),
        el("button", { type: "button", class: "btn btn-ghost btn-small", "data-action": "path-b", text: t("set_b"), onclick: () => { $("path-b").value = d.id; showTab("path"); } }),
        el("button", { type: "button", class: "btn btn-ghost btn-small", "data-action": "group-a", text: t("group_a"), onclick: () => addToGroup("a", [d.id]) }),
        el("button", { type: "button", class: "btn btn-ghost btn-small", "data-action": "group-b", text: t("group_b"), onclick: () => addToGroup("b", [d.id]) }),
      );
    }
    ui.details.replaceChildren(...[
      el("p", { class: "node-title" }, el("span", { class: `kind-swatch kind-${d.kind}`, "aria-hidden": "true" }), el("strong", { text: d.label })),
      el("p", { class: "mono small node-id", text: d.id }),
      d.notice ? el("p", { class: "notice notice-warn small", text: t("notice_text") }) : null,
      facts,
      url ? el("p", {}, el("a", { class: "btn btn-primary btn-small", href: url, "data-record-link": true, text: t("open_record") })) : null,
      actions,
    ].filter(Boolean));
    ui.details.setAttribute("data-node", d.id);
    if (timelineFor !== d.id) track(loadTimeline(d.id, d.label, d.notice));
  }

  async function loadTimeline(id, label, notice) {
    timelineFor = id;
    ui.timelineTitle.textContent = t("timeline_of", { node: label });
    ui.timeline.replaceChildren();
    ui.timelineEmpty.textContent = "";
    if (notice) {
      ui.timelineEmpty.textContent = t("timeline_empty");
      return;
    }
    let data;
    try {
      data = await api.get(`/api/v1/graph/timeline?node=${encodeURIComponent(id)}`);
    } catch (error) {
      if (timelineFor === id) ui.timelineEmpty.textContent = error.message;
      return;
    }
    if (timelineFor !== id) return;
    const items = data.items || [];
    ui.timelineEmpty.textContent = items.length ? "" : t("timeline_empty");
    ui.timeline.replaceChildren(...items.map((item) => {
      const kind = config.link_types[item.kind] || config.kinds[item.kind] || item.kind;
      return el("li", { "data-node": item.node || "", "data-edge": item.edge || "" },
        el("button", { type: "button", class: "timeline-item", onclick: () => track(highlightItem(item, id)) },
          el("span", { class: "timeline-date mono", text: item.date }),
          el("span", { class: "timeline-body" },
            el("span", { class: "kind-label", text: kind }),
            el("span", { class: "timeline-label", text: item.label }),
            item.valid_to ? el("span", { class: "sub", text: t("until", { date: item.valid_to }) }) : null),
          el("span", { class: `badge badge-${String(item.handling_code || "H0").toLowerCase()}`, text: item.handling_code || "H0" })));
    }));
  }

  async function highlightItem(item, owner) {
    cy.elements().removeClass("flash");
    unlight();
    let target = item.edge ? cy.getElementById(item.edge) : cy.collection();
    let node = item.node ? cy.getElementById(item.node) : cy.collection();
    if (item.node && node.empty()) {
      try {
        const ids = [owner, item.node];
        merge(await api.post("/api/v1/graph/subgraph", { nodes: ids }), cy.getElementById(owner));
      } catch (error) {
        return fail(error);
      }
      node = cy.getElementById(item.node);
      target = item.edge ? cy.getElementById(item.edge) : target;
    }
    const lit = target.union(node);
    lit.removeClass("hidden");
    lit.addClass("flash");
    light(lit);
    ui.timeline.querySelectorAll(".timeline-item.active").forEach((b) => b.classList.remove("active"));
    const row = [...ui.timeline.children].find((li) => li.dataset.node === (item.node || "") && li.dataset.edge === (item.edge || ""));
    if (row) row.querySelector(".timeline-item").classList.add("active");
    if (lit.nonempty()) await move({ center: { eles: lit }, zoom: Math.max(cy.zoom(), 0.7) });
  }

  // ------------------------------------------------------------------ paths and groups

  function clearHighlight() {
    cy.batch(() => cy.elements().removeClass("path faded flash"));
    unlight();
    ui.pathList.querySelectorAll(".active").forEach((b) => b.classList.remove("active"));
  }

  // Highlighted elements keep a readable size on screen however far the chart is zoomed
  // out (a path across 2,000 nodes is drawn at a quarter of its size): a few elements get
  // sizes of their own, renewed when the zoom changes.
  let litElements = null;
  function light(eles) {
    unlight();
    litElements = eles;
    scaleLit();
  }
  function unlight() {
    if (litElements) litElements.removeStyle();
    litElements = null;
  }
  function scaleLit() {
    if (!litElements || litElements.empty()) return;
    const k = 1 / Math.max(cy.zoom(), 0.01);
    cy.batch(() => {
      litElements.nodes().style({
        width: Math.max(36, 18 * k), height: Math.max(36, 18 * k), "font-size": Math.max(16, 13 * k),
        "border-width": Math.max(5, 3 * k), "text-outline-width": Math.max(3, 2.5 * k), "text-margin-y": Math.max(3, 3 * k),
        "text-max-width": Math.max(160, 200 * k),
      });
      litElements.edges().style({ width: Math.max(6, 4 * k), "font-size": Math.max(13, 11 * k), "text-outline-width": Math.max(2, 2 * k) });
    });
  }
  let zoomTimer = 0;
  cy.on("zoom", () => {
    if (!litElements || zoomTimer) return;
    zoomTimer = setTimeout(() => { zoomTimer = 0; scaleLit(); }, 120);
  });

  function edgeBetween(a, b) {
    return cy.getElementById(a).edgesWith(cy.getElementById(b)).first();
  }

  function highlight(ids, index) {
    clearHighlight();
    const nodes = cy.collection();
    let edges = cy.collection();
    ids.forEach((id, i) => {
      const node = cy.getElementById(id);
      node.removeClass("hidden");
      nodes.merge(node);
      if (i > 0) edges = edges.union(edgeBetween(ids[i - 1], id));
    });
    const lit = nodes.union(edges);
    cy.batch(() => {
      cy.elements().not(lit).addClass("faded");
      lit.addClass("path");
      light(lit);
    });
    if (index !== undefined) {
      const button = ui.pathList.querySelector(`[data-path="${index}"]`);
      if (button) button.classList.add("active");
    }
    return move({ fit: { eles: lit, padding: 80 } });
  }

  function selectedIds() {
    const order = state.selectionOrder.filter((id) => cy.getElementById(id).selected());
    const rest = cy.nodes(":selected").map((n) => n.id()).filter((id) => !order.includes(id));
    return [...order, ...rest];
  }

  async function findPaths(event) {
    if (event) event.preventDefault();
    const a = $("path-a").value.trim();
    const b = $("path-b").value.trim();
    ui.pathList.replaceChildren();
    if (!a || !b || a === b) {
      ui.pathMessage.textContent = t("path_need_two");
      return;
    }
    const query = filterQuery(readFilters());
    query.set("a", a);
    query.set("b", b);
    query.set("k", $("path-k").value);
    query.set("max_hops", "8");
    busy(t("loading"));
    let result;
    try {
      result = await api.get(`/api/v1/graph/paths?${query}`);
    } catch (error) {
      ui.pathMessage.textContent = error.message;
      busy("");
      return;
    }
    busy("");
    const paths = result.paths || [];
    state.paths = paths;
    if (!paths.length) {
      clearHighlight();
      ui.pathMessage.textContent = result.message || t("not_connected");
      return;
    }
    merge(result, cy.getElementById(a).nonempty() ? cy.getElementById(a) : null);
    ui.pathMessage.textContent = t("paths_found", { n: paths.length });
    ui.pathList.replaceChildren(...paths.map((ids, i) => el("li", {},
      el("button", { type: "button", class: "path-item", "data-path": String(i), onclick: () => track(highlight(ids, i)) },
        el("strong", { text: t("path_n", { n: i + 1, hops: ids.length - 1 }) }),
        el("span", { class: "path-chain", text: ids.map((id) => cy.getElementById(id).data("label") || id).join(" → ") })))));
    showTab("path");
    await highlight(paths[0], 0);
    await restyle();
  }

  function groupCounts() {
    $("group-a-count").textContent = String(state.groups.a.size);
    $("group-b-count").textContent = String(state.groups.b.size);
  }

  function addToGroup(name, ids) {
    showTab("groups");
    const other = name === "a" ? "b" : "a";
    for (const id of ids) {
      state.groups[other].delete(id);
      state.groups[name].add(id);
      cy.getElementById(id).removeClass(`group-${other}`).addClass(`group-${name}`);
    }
    groupCounts();
  }

  async function connectGroups() {
    if (!state.groups.a.size || !state.groups.b.size) {
      ui.groupsMessage.textContent = t("groups_need");
      return;
    }
    busy(t("loading"));
    let view;
    try {
      view = await api.post("/api/v1/graph/connect", {
        a: [...state.groups.a], b: [...state.groups.b], max_hops: 6, filters: readFilters(),
      });
    } catch (error) {
      busy("");
      ui.groupsMessage.textContent = error.message;
      return;
    }
    busy("");
    merge(view, null, true);
    const ids = (view.nodes || []).map((n) => n.id);
    ui.groupsMessage.textContent = [t("groups_result", { n: ids.length }), ...(view.messages || [])].join(" ");
    if (ids.length) {
      clearHighlight();
      const lit = cy.collection();
      for (const id of ids) lit.merge(cy.getElementById(id));
      const edgeIds = new Set((view.edges || []).map((e) => e.id));
      const edges = cy.edges().filter((e) => edgeIds.has(e.id()));
      const all = lit.union(edges);
      cy.batch(() => {
        cy.elements().not(all).addClass("faded");
        all.addClass("path");
        light(all);
      });
      await move({ fit: { eles: all, padding: 60 } });
    }
    await restyle();
  }

  // ------------------------------------------------------------------ saving and exporting

  /** Node positions: ``[x, y]`` pairs (exports) or ``{x, y}`` objects (saved charts). */
  function positionsOf(nodes, asObjects) {
    const positions = {};
    nodes.forEach((n) => {
      const p = n.position();
      const x = Math.round(p.x * 10) / 10;
      const y = Math.round(p.y * 10) / 10;
      positions[n.id()] = asObjects ? { x, y } : [x, y];
    });
    return positions;
  }

  /** What a saved chart keeps: structure only, and never a hit notice. */
  function chartState() {
    const nodes = visibleNodes().filter((n) => !n.data("notice"));
    const ids = new Set(nodes.map((n) => n.id()));
    return {
      nodes: [...ids],
      positions: positionsOf(nodes, true),
      filters: readFilters(),
      layout: ui.layout.value,
      colour_by: ui.colour.value,
      size_by: ui.size.value === "none" ? null : ui.size.value,
      focus: state.roots.filter((id) => ids.has(id)),
    };
  }

  async function saveChart(event) {
    event.preventDefault();
    const name = $("save-name").value.trim();
    if (!name) {
      say(t("name_needed"), "error");
      $("save-name").focus();
      return;
    }
    const body = { name, state: chartState(), shared: $("save-shared").checked };
    try {
      const asNew = $("save-as-new").checked;
      const saved = state.chartId && !asNew
        ? await api.put(`/api/v1/charts/${encodeURIComponent(state.chartId)}`, body)
        : await api.post("/api/v1/charts", body);
      if (saved && saved.id !== undefined) {
        state.chartId = String(saved.id);
        root.dataset.chartId = state.chartId;
        window.history.replaceState(null, "", `/graph/charts/${encodeURIComponent(state.chartId)}`);
      }
      showChartName(name);
      $("save-menu").open = false;
      say(t("saved"), "ok");
    } catch (error) {
      fail(error);
    }
  }

  function showChartName(name) {
    state.chartName = name;
    const holder = $("chart-name");
    holder.hidden = !name;
    holder.textContent = name ? `· ${name}` : "";
    if (name) document.title = `${name} · Caravan`;
    const row = $("save-as-new-row");
    if (row) row.hidden = !state.chartId;
  }

  async function exportAs(format) {
    // Hit notices stand for records the user may not read: the export leaves them out.
    const nodes = visibleNodes().filter((n) => !n.data("notice"));
    if (nodes.empty()) {
      say(t("empty"), "error");
      return;
    }
    if ($("export-menu")) $("export-menu").open = false;
    busy(t("exporting", { format: format.toUpperCase() }));
    try {
      const response = await api.raw("POST", "/api/v1/graph/export", {
        nodes: nodes.map((n) => n.id()), format, positions: positionsOf(nodes),
      });
      const blob = await response.blob();
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
      const file = match ? decodeURIComponent(match[1]) : `network.${format === "csv" ? "zip" : format}`;
      const link = el("a", { href: URL.createObjectURL(blob), download: file, class: "sr-only" });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      say(t("exported", { file }), "ok");
    } catch (error) {
      fail(error);
    } finally {
      busy("");
    }
  }

  async function openSaved(id) {
    busy(t("loading"));
    let chart;
    try {
      chart = await api.get(`/api/v1/charts/${encodeURIComponent(id)}`);
    } catch (error) {
      return fail(error);
    }
    const saved = chart.state || {};
    writeFilters(saved.filters);
    if (saved.layout) ui.layout.value = saved.layout;
    if (saved.colour_by) ui.colour.value = saved.colour_by;
    ui.size.value = saved.size_by && ui.size.querySelector(`option[value="${saved.size_by}"]`) ? saved.size_by : "none";
    if (!ui.colour.querySelector(`option[value="${ui.colour.value}"]`)) ui.colour.value = "kind";
    $("save-name") && ($("save-name").value = chart.name || "");
    $("save-shared") && ($("save-shared").checked = Boolean(chart.shared));
    showChartName(chart.name || "");
    if (chart.mine === false && $("save-as-new")) {
      // A colleague's shared chart: saving makes a copy of one's own.
      $("save-as-new").checked = true;
      $("save-as-new").disabled = true;
    }
    const wanted = saved.nodes || [];
    let view;
    try {
      view = await api.post("/api/v1/graph/subgraph", { nodes: wanted });
    } catch (error) {
      return fail(error);
    }
    busy("");
    clearChart();
    merge(view, null);
    const focus = (saved.focus || []).filter((fid) => cy.getElementById(fid).nonempty());
    setRoots(focus.length ? focus : saved.focus || []);
    form.elements.node.value = state.roots.length === 1 ? state.roots[0] : "";
    if (saved.positions && Object.keys(saved.positions).length) {
      applyPositions(saved.positions, false);
      // Nodes without a saved position (none, normally) stay on the spiral beside the rest.
    } else {
      await runLayout();
    }
    const missing = wanted.filter((nid) => cy.getElementById(nid).empty()).length;
    if (missing) say(t("chart_missing_nodes", { n: missing }), "info");
    await restyle();
    return chart;
  }

  // ------------------------------------------------------------------ side panel tabs

  const tabs = [...root.querySelectorAll(".side-tabs [role=tab]")];
  /** While the groups tab is open, clicks pick nodes for a group and leave it open. */
  const grouping = () => $("tab-groups").getAttribute("aria-selected") === "true";
  function showTab(name) {
    for (const tab of tabs) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
    }
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(index + step + tabs.length) % tabs.length];
      next.focus();
      showTab(next.dataset.tab);
    });
  });

  // ------------------------------------------------------------------ events

  cy.on("select", "node", (event) => {
    const id = event.target.id();
    state.selectionOrder = state.selectionOrder.filter((x) => x !== id);
    state.selectionOrder.push(id);
    const picked = selectedIds();
    if (picked.length >= 2) {
      // Click one, shift-click another: the two ends of a path.
      $("path-a").value = picked[picked.length - 2];
      $("path-b").value = picked[picked.length - 1];
      if (!grouping()) showTab("path");
    } else if (!grouping()) {
      showTab("node");
    }
    showNode(event.target);
  });
  cy.on("unselect", "node", () => {
    const picked = cy.nodes(":selected");
    if (picked.empty()) showNode(null);
  });
  // Cytoscape reports a double tap for two quick taps on two different nodes (click one,
  // shift-click another): expand only when both taps were on this node.
  const taps = [];
  cy.on("tap", "node", (event) => {
    taps.push(event.target.id());
    if (taps.length > 2) taps.shift();
  });
  cy.on("dbltap", "node", (event) => {
    const id = event.target.id();
    if (taps.length === 2 && taps[0] === id && taps[1] === id) track(expand(id));
  });
  cy.on("tap", (event) => {
    if (event.target === cy && cy.$(".flash").nonempty()) {
      cy.elements().removeClass("flash");
      unlight();
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    track(load());
  });
  form.addEventListener("change", filterCounts);
  ui.layout.addEventListener("change", () => track(runLayout()));
  ui.colour.addEventListener("change", () => track(applyColour()));
  ui.size.addEventListener("change", () => track(applySize()));
  $("v-fit").addEventListener("click", () => fit());
  $("v-clear").addEventListener("click", () => {
    clearHighlight();
    state.groups.a.clear();
    state.groups.b.clear();
    cy.nodes().removeClass("group-a group-b");
    groupCounts();
  });
  ui.unhide.addEventListener("click", () => {
    cy.nodes(".hidden").removeClass("hidden");
    refresh();
  });
  $("path-form").addEventListener("submit", (event) => track(findPaths(event)));
  $("path-use-selected").addEventListener("click", () => {
    const picked = selectedIds();
    if (picked.length >= 2) {
      $("path-a").value = picked[picked.length - 2];
      $("path-b").value = picked[picked.length - 1];
    } else {
      ui.pathMessage.textContent = t("path_need_two");
    }
  });
  document.querySelectorAll("[data-group-add]").forEach((button) => {
    button.addEventListener("click", () => addToGroup(button.dataset.groupAdd, selectedIds()));
  });
  $("groups-connect").addEventListener("click", () => track(connectGroups()));
  $("groups-clear").addEventListener("click", () => {
    state.groups.a.clear();
    state.groups.b.clear();
    cy.nodes().removeClass("group-a group-b");
    groupCounts();
    ui.groupsMessage.textContent = "";
  });
  const saveForm = $("save-form");
  if (saveForm) saveForm.addEventListener("submit", (event) => track(saveChart(event)));
  document.querySelectorAll("[data-export]").forEach((button) => {
    button.addEventListener("click", () => track(exportAs(button.dataset.export)));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Delete" || event.target !== document.body) return;
    cy.nodes(":selected").forEach((n) => removeNode(n.id()));
  });

  // Settings from the address: /graph?node=…&hops=2&cap=1000&types=a,b&layout=circle
  const params = new URLSearchParams(window.location.search);
  if (params.get("hops")) form.elements.hops.value = params.get("hops");
  if (params.get("cap")) {
    const cap = params.get("cap");
    if (![...form.elements.cap.options].some((o) => o.value === cap)) form.elements.cap.append(el("option", { value: cap, text: cap }));
    form.elements.cap.value = cap;
  }
  if (params.get("layout")) ui.layout.value = params.get("layout");
  if (params.get("types") || params.get("agencies") || params.get("date_from") || params.get("date_to") || params.get("min_grade")) {
    writeFilters({
      link_types: (params.get("types") || "").split(",").filter(Boolean),
      agencies: (params.get("agencies") || "").split(",").filter(Boolean),
      date_from: params.get("date_from"), date_to: params.get("date_to"), min_grade: params.get("min_grade"),
    });
  }
  filterCounts();
  groupCounts();
  showNode(null);

  const chart = {
    cy, state, config, api, load, expand, hideNode, removeNode, findPaths, highlight, connectGroups,
    addToGroup, runLayout, applyColour, applySize, openSaved, chartState, exportAs, merge, focusNode,
    ready: false,
  };
  window.caravanChart = chart;

  root.dataset.pending = "0";
  let first;
  if (state.chartId) first = openSaved(state.chartId);
  else if (root.dataset.start) first = load();
  else {
    showEmpty(t("no_start"));
    first = Promise.resolve();
  }
  track(first).finally(() => { chart.ready = true; root.dataset.ready = "true"; });

  // ------------------------------------------------------------------ /graph/charts

  async function savedChartsPage() {
    const body = document.querySelector("#charts-list tbody");
    const message = document.getElementById("charts-message");
    const show = (text, kind) => {
      message.hidden = !text;
      message.textContent = text || "";
      message.className = `notice ${kind === "error" ? "notice-error" : "notice-success"}`;
    };
    let data;
    try {
      data = await api.get("/api/v1/charts");
    } catch (error) {
      show(error.message, "error");
      return;
    }
    const charts = Array.isArray(data) ? data : data.items || data.charts || [];
    if (!charts.length) {
      body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: "6", text: L.charts_empty })));
      document.getElementById("charts-list").dataset.ready = "true";
      return;
    }
    body.replaceChildren(...charts.map((chart) => {
      const id = String(chart.id);
      const owner = chart.owner_name || chart.owner || chart.owner_username || "";
      const updated = String(chart.updated_at || chart.updated || chart.created_at || "").replace("T", " ").slice(0, 16);
      const row = el("tr", { "data-chart": id },
        el("td", {}, el("a", { class: "row-link", href: `/graph/charts/${encodeURIComponent(id)}`, text: chart.name })),
        el("td", { text: typeof owner === "object" ? owner.display_name || owner.username || "" : owner }),
        el("td", { class: "mono nowrap", text: updated }),
        el("td", { class: "num", text: chart.node_count === undefined ? "" : numbers.format(chart.node_count) }),
        el("td", { text: chart.shared ? L.yes : L.no }),
        el("td", { class: "nowrap" },
          el("a", { class: "btn btn-secondary btn-small", href: `/graph/charts/${encodeURIComponent(id)}`, text: L.open }),
          " ",
          chart.mine === false ? null : el("button", {
            type: "button", class: "btn btn-danger btn-small", "data-delete": id, text: L.delete,
            onclick: async () => {
              if (!window.confirm(t("delete_confirm", { name: chart.name }))) return;
              try {
                await api.del(`/api/v1/charts/${encodeURIComponent(id)}`);
                row.remove();
                show(L.deleted, "ok");
              } catch (error) {
                show(error.message, "error");
              }
            },
          })));
      return row;
    }));
    document.getElementById("charts-list").dataset.ready = "true";
  }
})();
