// The catalogue: search the model, open a dataset to see its schema, owner,
// readers and lineage. Every value comes from the model, which many teams
// write: it is put on the page only as text (textContent, attributes set one
// by one), never as markup, and only paths under /api/v1/ are fetched.
"use strict";

const API = "/api/v1/";
const SVG = "http://www.w3.org/2000/svg";
const main = document.getElementById("main");

/** An element with attributes and children (strings become text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** Fetches a path of the API as JSON; refuses anything else, `..` included. */
async function api(path) {
  const dotted = path.split(/[/?]/).some((p) => /^(\.|%2e){1,2}$/i.test(p));
  if (!path.startsWith(API) || dotted) throw new Error("not a path of the API: " + path);
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || body.title || response.statusText);
  return body;
}

const seg = encodeURIComponent;

/** The catalogue's own address for an API resource, or null. */
function route(href) {
  let m = /^\/api\/v1\/datastores\/([^/?]+)\/datasets\/([^/?]+)$/.exec(href);
  if (m) return "#/dataset/" + m[1] + "/" + m[2];
  m = /^\/api\/v1\/datastores\/([^/?]+)$/.exec(href);
  if (m) return "#/datastore/" + m[1];
  if (href.startsWith(API)) return "#/view/" + seg(href.slice(API.length));
  return null;
}

function link(href, text) {
  const to = route(href);
  return to ? el("a", { href: to }, text) : document.createTextNode(text);
}

function show(...children) {
  main.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
  window.scrollTo(0, 0);
}

function failed(error) {
  show(el("p", { class: "error", role: "alert" }, String(error.message || error)));
}

function description(doc) {
  return doc && doc.description ? el("p", { class: "description" }, doc.description) : null;
}

/** A column type as people write it: `NVarChar(40)`, `Decimal(10, 2)`. */
function typeName(type) {
  if (typeof type === "string") return type;
  const [name, args] = Object.entries(type || {})[0] || ["?", {}];
  const values = Object.values(args || {}).filter((v) => typeof v !== "object");
  return values.length ? name + "(" + values.join(", ") + ")" : name;
}

function tags(values) {
  return (values || []).map((v) => el("span", { class: "tag" }, v));
}

// Views.

async function home() {
  const eco = await api(API + "ecosystem");
  const counts = eco.counts || {};
  show(
    el("h1", {}, eco.name),
    description(eco.documentation),
    el("dl", { class: "facts" },
      Object.entries(counts).flatMap(([what, n]) => [el("dt", {}, what), el("dd", {}, n.toLocaleString())])),
    el("p", { class: "muted" }, "Search above for a dataset by name or description, then open it to see its schema, who reads it and its lineage."),
  );
}

async function search(query) {
  const input = document.getElementById("search");
  if (input.value !== query) input.value = query;
  if (!query.trim()) return home();
  const page = await api(API + "search?limit=50&q=" + seg(query));
  const items = page.items.map((item) =>
    el("li", { "data-kind": item.kind },
      el("span", { class: "kind" }, item.kind),
      link(item.href, item.name),
      item.description ? el("span", { class: "description" }, item.description) : null));
  show(
    el("h1", {}, "Search: " + query),
    el("p", { class: "muted", id: "result-count" },
      page.total === 0 ? "Nothing matches every word." :
        page.total.toLocaleString() + (page.total === 1 ? " match" : " matches") +
        (page.total > items.length ? ", the first " + items.length + " shown" : "")),
    el("ul", { class: "results", id: "results" }, items),
  );
}

async function dataset(store, name) {
  const base = API + "datastores/" + seg(store) + "/datasets/" + seg(name);
  const [d, lineage] = await Promise.all([api(base), api(base + "/lineage?depth=3")]);
  const schema = (d.dataset && d.dataset.schema) || {};
  const keys = new Set(schema.primaryKey || []);
  const columns = Object.entries(schema.columns || {}).map(([column, c]) =>
    el("tr", {},
      el("td", {}, column),
      el("td", {}, typeName(c.type)),
      el("td", {}, keys.has(column) ? "key" : c.nullable === false ? "not null" : ""),
      el("td", {}, tags(c.classifications))));
  const readers = (d.readers || []).map((r) =>
    el("tr", {},
      el("td", {}, link(r.href, r.workspace)),
      el("td", {}, r.group),
      el("td", {}, (r.platforms || []).join(", ") ||
        el("span", { class: "muted" }, r.transformerOutput ? "wherever its output is delivered" : "none assigned")),
      el("td", {}, r.transformerOutput ? ["transformer → ", link(API + "datastores/" + seg(r.transformerOutput), r.transformerOutput)] : "")));
  show(
    el("p", { class: "muted" }, link(API + "datastores/" + seg(d.datastore), d.datastore), " · dataset"),
    el("h1", { id: "dataset-name" }, d.datastore + "." + d.name),
    description(d.dataset && d.dataset.documentation),
    el("dl", { class: "facts" },
      el("dt", {}, "Owner"), el("dd", {}, "team " + d.team + " in zone " + d.zone),
      el("dt", {}, "Classifications"), el("dd", {}, tags(d.dataset && d.dataset.classifications).length ? tags(d.dataset.classifications) : el("span", { class: "muted" }, "by column")),
      el("dt", {}, "Produced by"), el("dd", {}, d.producedBy ? link(API + "workspaces/" + seg(d.producedBy), "transformer of " + d.producedBy) : "its datastore's capture"),
      el("dt", {}, "Deprecated"), el("dd", {}, d.dataset && d.dataset.deprecation ? "yes" : "no")),
    el("h2", {}, "Schema"),
    el("table", { id: "schema" },
      el("thead", {}, el("tr", {}, el("th", {}, "Column"), el("th", {}, "Type"), el("th", {}, "Key"), el("th", {}, "Classifications"))),
      el("tbody", {}, columns)),
    el("h2", {}, "Read by"),
    readers.length
      ? el("table", { id: "readers" },
        el("thead", {}, el("tr", {}, el("th", {}, "Workspace"), el("th", {}, "Dataset group"), el("th", {}, "Platforms"), el("th", {}, "Through"))),
        el("tbody", {}, readers))
      : el("p", { class: "muted", id: "readers" }, "No workspace reads it."),
    el("h2", {}, "Lineage"),
    el("p", { class: "muted" }, "Upstream on the left, downstream on the right, three steps each way; open a dataset to follow it."),
    el("div", { id: "lineage" }, drawLineage(lineage)),
  );
}

/**
 * The lineage as a picture: each node in the column of its distance from the
 * dataset (upstream left, downstream right), edges as curves.
 */
function drawLineage(graph) {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const self = graph.nodes.find((n) => n.side === "self");
  const layer = new Map();
  if (self) layer.set(self.id, 0);
  const forward = new Map();
  const backward = new Map();
  for (const e of graph.edges) {
    if (!forward.has(e.from)) forward.set(e.from, []);
    if (!backward.has(e.to)) backward.set(e.to, []);
    forward.get(e.from).push(e.to);
    backward.get(e.to).push(e.from);
  }
  // Breadth first, downstream then upstream, so each node takes its nearest column.
  for (const [edges, step] of [[forward, 1], [backward, -1]]) {
    let frontier = self ? [self.id] : [];
    while (frontier.length) {
      const next = [];
      for (const id of frontier) {
        for (const to of edges.get(id) || []) {
          if (!layer.has(to) && nodes.has(to)) {
            layer.set(to, layer.get(id) + step);
            next.push(to);
          }
        }
      }
      frontier = next;
    }
  }
  for (const n of graph.nodes) if (!layer.has(n.id)) layer.set(n.id, n.side === "upstream" ? -1 : 1);
  const columns = [...new Set(layer.values())].sort((a, b) => a - b);
  const W = 210, H = 34, GX = 70, GY = 14, PAD = 16;
  const place = new Map();
  let rows = 0;
  columns.forEach((c, ci) => {
    const members = graph.nodes.filter((n) => layer.get(n.id) === c);
    members.forEach((n, ri) => place.set(n.id, { x: PAD + ci * (W + GX), y: PAD + ri * (H + GY) }));
    rows = Math.max(rows, members.length);
  });
  const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
  const height = PAD * 2 + rows * H + Math.max(rows - 1, 0) * GY;
  const picture = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Lineage" });
  for (const e of graph.edges) {
    const a = place.get(e.from), b = place.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
    picture.append(svg("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, "data-from": e.from, "data-to": e.to }));
  }
  for (const n of graph.nodes) {
    const p = place.get(n.id);
    const cut = (text) => text.length > 30 ? text.slice(0, 29) + "…" : text;
    const label = cut(n.name);
    const box = svg("g", { class: "node " + n.kind + (n.side === "self" ? " self" : ""), "data-id": n.id, transform: `translate(${p.x},${p.y})` },
      svg("title", {}, n.kind + " " + n.name + (n.platforms ? ", run by " + n.platforms.join(", ") : "")),
      svg("rect", { width: W, height: H, rx: 5 }),
      svg("text", { x: 8, y: 12, class: "nodekind" }, cut(n.kind + (n.platforms ? " · " + n.platforms.join(", ") : ""))),
      svg("text", { x: 8, y: 27 }, label));
    const to = n.side === "self" ? null : route(n.href);
    if (to) {
      const anchor = svg("a", { href: to });
      anchor.append(box);
      picture.append(anchor);
    } else {
      picture.append(box);
    }
  }
  return picture;
}

async function datastore(store) {
  const base = API + "datastores/" + seg(store);
  const [d, page] = await Promise.all([api(base), api(base + "/datasets?limit=1000")]);
  const rows = page.items.map((item) =>
    el("tr", {}, el("td", {}, link(item.href, item.name)), el("td", {}, item.columns), el("td", {}, item.readers), el("td", {}, item.description || "")));
  show(
    el("p", { class: "muted" }, "datastore"),
    el("h1", {}, d.name),
    description(d.datastore && d.datastore.documentation),
    el("dl", { class: "facts" },
      el("dt", {}, "Owner"), el("dd", {}, "team " + d.team + " in zone " + d.zone),
      el("dt", {}, "Produced by"), el("dd", {}, d.producedBy ? link(API + "workspaces/" + seg(d.producedBy), "transformer of " + d.producedBy) : "captured from its source")),
    el("h2", {}, "Datasets"),
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Dataset"), el("th", {}, "Columns"), el("th", {}, "Readers"), el("th", {}, "Description"))),
      el("tbody", {}, rows)),
    el("h2", {}, "Capture"),
    el("pre", {}, JSON.stringify((d.datastore && d.datastore.capture) || {}, null, 2)),
  );
}

/** Any other resource of the API, as its JSON. */
async function view(path) {
  const href = API + path;
  const body = await api(href);
  show(
    el("p", { class: "muted" }, href),
    el("h1", {}, body.name || path),
    el("pre", {}, JSON.stringify(body, null, 2)),
  );
}

// Routing: the address after `#` names the view, so views can be linked and
// the browser's back button works.

async function render() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [view_, ...rest] = hash.split("/");
  const parts = rest.map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  try {
    if (view_ === "search") return await search(parts.join("/"));
    if (view_ === "dataset" && parts.length === 2) return await dataset(parts[0], parts[1]);
    if (view_ === "datastore" && parts.length === 1) return await datastore(parts[0]);
    if (view_ === "view" && parts.length === 1) return await view(parts[0]);
    return await home();
  } catch (error) {
    failed(error);
  }
}

let typing;
const input = document.getElementById("search");
input.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => { location.hash = "#/search/" + seg(input.value); }, 200);
});
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  const target = "#/search/" + seg(input.value);
  if (location.hash === target) render(); else location.hash = target;
});
window.addEventListener("hashchange", render);

api(API + "ecosystem")
  .then((eco) => { document.getElementById("ecosystem").textContent = eco.name; document.title = eco.name + " · DataSurface catalogue"; })
  .catch(() => {});
render();
