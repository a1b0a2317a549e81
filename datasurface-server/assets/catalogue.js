// The catalogue: the model's zones, teams, datastores and workspaces; search
// it; open a dataset to see its schema, owner, readers and lineage, and any
// other resource as a page of its facts. Every value comes from the model, which many teams
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

/** A field's name as people read it: `datasetGroups` → `dataset groups`. */
function words(key) {
  return String(key).replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
}

/**
 * Any value of the model as people read it: an object as terms and their
 * descriptions, a list as a list, a resource (`href`) as a link, yes and
 * no for booleans; as text, never markup, and at most eight levels deep.
 */
function facts(value, depth = 0) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "none");
  if (depth > 8) return el("span", { class: "muted" }, "…");
  if (Array.isArray(value)) {
    if (!value.length) return el("span", { class: "muted" }, "none");
    if (value.every((v) => v === null || typeof v !== "object")) return document.createTextNode(value.join(", "));
    return el("ul", { class: "facts-list" }, value.map((v) => el("li", {}, facts(v, depth + 1))));
  }
  if (typeof value === "object") {
    // A dataset named by its store and name: a link to its page.
    if (typeof value.datastore === "string" && typeof value.dataset === "string" && Object.keys(value).length === 2) {
      return link(API + "datastores/" + seg(value.datastore) + "/datasets/" + seg(value.dataset), value.datastore + "." + value.dataset);
    }
    const title = [value.name, value.workspace, value.href].find((t) => typeof t === "string");
    const named = typeof value.href === "string" ? link(value.href, title) : null;
    const entries = Object.entries(value).filter(([k]) => k !== "href" && !(named && k === "name"));
    if (!entries.length) return named || el("span", { class: "muted" }, "none");
    return el("div", { class: "fact" }, named,
      el("dl", { class: "facts" }, entries.flatMap(([k, v]) => [
        // Keys are the API's field names or the model's own names: shown as they are.
        el("dt", {}, k),
        el("dd", {}, typeof v === "string" && v.startsWith(API) ? link(v, v.slice(API.length)) : facts(v, depth + 1)),
      ])));
  }
  if (typeof value === "boolean") return document.createTextNode(value ? "yes" : "no");
  return document.createTextNode(String(value));
}

function tags(values) {
  return (values || []).map((v) => el("span", { class: "tag" }, v));
}

// Views.

/** The lists the home page shows, each with its count's key. */
const LISTS = [
  ["zones", "Zones"],
  ["teams", "Teams"],
  ["datastores", "Datastores"],
  ["workspaces", "Workspaces"],
];

/** A list of the API (`zones`, `teams`, …) as a table: the name as a link, then each other plain field. */
function listing(items, id) {
  const columns = [...new Set(items.flatMap((item) => Object.keys(item)))]
    .filter((k) => k !== "href" && k !== "name" && items.some((i) => i[k] === null || typeof i[k] !== "object"));
  return el("table", { id },
    el("thead", {}, el("tr", {}, el("th", {}, "Name"), columns.map((c) => el("th", {}, words(c))))),
    el("tbody", {}, items.map((item) =>
      el("tr", {},
        el("td", {}, item.href ? link(item.href, [item.name, item.workspace, item.href].find((t) => typeof t === "string")) : item.name),
        columns.map((c) => el("td", {}, cell(c, item[c])))))));
}

/** A list's cell: what a field's absence means, where it means something. */
function cell(field, value) {
  if (field === "producedBy") {
    return value ? link(API + "workspaces/" + seg(value), "transformer of " + value) : document.createTextNode("its capture");
  }
  return facts(value);
}

/** Seconds from an RFC 3339 time to now (never negative). */
function since(time) {
  return Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
}

/**
 * The newest change of each zone (its file or a team's) and each team
 * (`zone/team`), from the changes the service lists newest first.
 */
function newest(changes) {
  const zones = new Map();
  const teams = new Map();
  for (const c of changes) {
    if (c.zone && !zones.has(c.zone)) zones.set(c.zone, c.changedAt);
    if (c.team && !teams.has(c.zone + "/" + c.team)) teams.set(c.zone + "/" + c.team, c.changedAt);
  }
  return (what, item) => what === "zones" ? zones.get(item.name)
    : teams.get(item.zone + "/" + (what === "teams" ? item.name : item.team));
}

/** A list's items with when they changed, the newest first (the rest as listed). */
function byChange(items, changedAt) {
  const dated = items.map((item, i) => ({ item, i, at: changedAt(item) }));
  dated.sort((a, b) => (b.at ? Date.parse(b.at) : -Infinity) - (a.at ? Date.parse(a.at) : -Infinity) || a.i - b.i);
  return dated.map(({ item, at }) => at ? { ...item, changed: ago(since(at)) + " ago" } : item);
}

/** The files that changed last: whose, when, and the commit or that it is not committed. */
function recentChanges(changes) {
  if (!changes.length) return [];
  return [
    el("h2", {}, "Recent changes"),
    el("ol", { id: "changes", class: "changes" }, changes.slice(0, 8).map((c) =>
      el("li", {},
        el("span", { class: "when", title: c.changedAt }, ago(since(c.changedAt)) + " ago"),
        c.href ? link(c.href, c.team ? c.team + " (" + c.zone + ")" : "zone " + c.zone) : el("span", {}, "the ecosystem"),
        el("code", {}, c.file),
        c.commit
          ? el("span", { class: "subject" }, c.commit.subject, el("span", { class: "muted" }, " by " + c.commit.author + " · " + c.commit.id.slice(0, 12)))
          : el("span", { class: "muted" }, c.origin === "uncommitted" ? "edited, not committed" : "file modified")))),
  ];
}

async function home() {
  const eco = await api(API + "ecosystem");
  const counts = eco.counts || {};
  const [changes, ...lists] = await Promise.all([
    api(API + "changes?limit=1000").catch(() => ({ items: [] })),
    ...LISTS.map(([what]) => api(API + what + "?limit=20")),
  ]);
  const changedAt = newest(changes.items);
  const listed = new Set(["zones", "teams", "datastores", "workspaces", "transformers", "platforms"]);
  show(
    el("h1", {}, eco.name),
    description(eco.documentation),
    el("dl", { class: "facts", id: "counts" },
      Object.entries(counts).flatMap(([what, n]) => [
        el("dt", {}, what),
        el("dd", {}, listed.has(what) ? link(API + what, n.toLocaleString()) : n.toLocaleString()),
      ])),
    ...recentChanges(changes.items),
    ...LISTS.flatMap(([what, title], i) => [
      el("h2", {}, title + " ", el("span", { class: "muted" }, "(" + lists[i].total.toLocaleString() + ")")),
      listing(byChange(lists[i].items, (item) => changedAt(what, item)), "list-" + what),
      lists[i].total > lists[i].items.length
        ? el("p", { class: "pager" }, link(API + what, "all " + lists[i].total.toLocaleString() + " " + what))
        : null,
    ]),
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
  const [d, lineage, fresh, byColumn] = await Promise.all([
    api(base), api(base + "/lineage?depth=3"), api(base + "/freshness").catch((e) => ({ error: e.message, platforms: [] })),
    api(base + "/columns").catch(() => ({ columns: [] })),
  ]);
  const schema = (d.dataset && d.dataset.schema) || {};
  const keys = new Set(schema.primaryKey || []);
  const links = new Map((byColumn.columns || []).map((c) => [c.name, c]));
  const columns = Object.entries(schema.columns || {}).map(([column, c]) =>
    el("tr", {},
      el("td", {}, column),
      el("td", {}, typeName(c.type)),
      el("td", {}, keys.has(column) ? "key" : c.nullable === false ? "not null" : ""),
      el("td", {}, tags(c.classifications)),
      el("td", { class: "from" }, columnRefs(links.get(column), "from", byColumn.producedBy)),
      el("td", { class: "feeds" }, columnRefs(links.get(column), "feeds"))));
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
      el("thead", {}, el("tr", {}, el("th", {}, "Column"), el("th", {}, "Type"), el("th", {}, "Key"), el("th", {}, "Classifications"),
        el("th", {}, "Comes from"), el("th", {}, "Feeds"))),
      el("tbody", {}, columns)),
    (byColumn.filteredBy || []).length
      ? el("p", { id: "filtered-by" }, "Rows chosen by ", columnRefs({ filteredBy: byColumn.filteredBy }, "filteredBy"))
      : null,
    ...(byColumn.problems || []).map((p) => el("p", { class: "muted column-problem" }, "Column lineage incomplete: " + p)),
    el("h2", {}, "Read by"),
    readers.length
      ? el("table", { id: "readers" },
        el("thead", {}, el("tr", {}, el("th", {}, "Workspace"), el("th", {}, "Dataset group"), el("th", {}, "Platforms"), el("th", {}, "Through"))),
        el("tbody", {}, readers))
      : el("p", { class: "muted", id: "readers" }, "No workspace reads it."),
    ...(freshness(fresh) || []),
    el("h2", {}, "Lineage"),
    el("p", { class: "muted" }, "Data flows left to right, along the arrows: what feeds the dataset, then what it feeds, three steps each way; open a node to follow it."),
    el("div", { id: "lineage" }, drawLineage(lineage)),
  );
}

/**
 * A column's lineage one way (`from`: the input columns it comes from;
 * `feeds`: the transformers' output columns it makes), each a link to its
 * dataset with how, and the functions on the way. A transformer's column
 * that comes from no column is a constant.
 */
function columnRefs(links, way, producedBy) {
  const refs = (links && links[way]) || [];
  if (!refs.length) {
    return way === "from" && producedBy && links ? el("span", { class: "muted" }, "a constant") : "";
  }
  return refs.flatMap((r, i) => [
    i ? ", " : "",
    link(API + "datastores/" + seg(r.store) + "/datasets/" + seg(r.dataset), r.store + "." + r.dataset + "." + r.column),
    el("span", { class: "how" }, " " + r.how + (r.through && r.through.length ? " by " + r.through.join(" → ") : "")),
  ]);
}

/** A duration as people read it: `45 s`, `12 min`, `3 h`, `2 d`. */
function ago(seconds) {
  if (seconds < 120) return seconds + " s";
  if (seconds < 7200) return Math.round(seconds / 60) + " min";
  if (seconds < 172800) return Math.round(seconds / 3600) + " h";
  return Math.round(seconds / 86400) + " d";
}

/**
 * A dataset on the platforms whose state the service reads: when it last
 * changed and how long ago, against what each consumer asks; its rows;
 * failed and waiting batches; where each consumer queries it.
 */
function freshness(fresh) {
  if (!fresh.readsState && !fresh.error) return null;
  const section = [el("h2", {}, "Freshness")];
  if (fresh.error) section.push(el("p", { class: "error", id: "freshness" }, "The platforms' state could not be read: " + fresh.error));
  else if (!fresh.platforms.length) section.push(el("p", { class: "muted", id: "freshness" }, "No platform whose state this service reads ingests it yet."));
  for (const p of fresh.platforms) {
    section.push(el("div", { id: "freshness", class: "freshness" },
      el("dl", { class: "facts" },
        el("dt", {}, "Platform"), el("dd", {}, p.platform + " (stream " + p.stream + ")"),
        el("dt", {}, "Last committed"), el("dd", {}, p.lastCommitted ? [p.lastCommitted, el("span", { class: "muted" }, " · " + ago(p.ageSeconds || 0) + " ago")] : el("span", { class: "muted" }, "never")),
        el("dt", {}, "Live rows"), el("dd", {}, p.liveRows === undefined ? "unknown" : p.liveRows.toLocaleString()),
        el("dt", {}, "Failed batches"), el("dd", { class: p.failedBatches ? "error" : "" }, String(p.failedBatches)),
        el("dt", {}, "Waiting"), el("dd", {}, p.waiting ? "for its schedule" : p.unfinishedBatches ? p.unfinishedBatches + " batch under way" : "no")),
      p.consumers.length
        ? el("table", { class: "consumers" },
          el("thead", {}, el("tr", {}, el("th", {}, "Consumer"), el("th", {}, "Asks for"), el("th", {}, "Fresh"), el("th", {}, "Query it in"), el("th", {}, "View"))),
          el("tbody", {}, p.consumers.map((c) => el("tr", {},
            el("td", {}, c.group),
            el("td", {}, c.latency ? c.latency.toLowerCase() + (c.withinSeconds ? " (within " + ago(c.withinSeconds) + ")" : "") : "any"),
            el("td", { class: c.fresh === false ? "error" : "" }, c.fresh === undefined ? "—" : c.fresh ? "yes" : "no, stale"),
            el("td", {}, c.database),
            el("td", {}, el("code", {}, c.view))))))
        : el("p", { class: "muted" }, "No consumer group reads it on this platform.")));
  }
  return section;
}

/**
 * The lineage as a picture: each node in the column of its distance from the
 * dataset (upstream left, downstream right), edges as curves.
 */
function drawLineage(graph) {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const self = graph.nodes.find((n) => n.side === "self");
  // Each node one column right of the furthest node that feeds it, so every
  // edge runs left to right (lineage has no cycles: validation refuses them).
  const feeds = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) if (nodes.has(e.from) && feeds.has(e.to)) feeds.get(e.to).push(e.from);
  const layer = new Map();
  const depthOf = (id, seen) => {
    if (layer.has(id)) return layer.get(id);
    if (seen.has(id)) return 0;
    seen.add(id);
    const d = Math.max(-1, ...feeds.get(id).map((f) => depthOf(f, seen))) + 1;
    layer.set(id, d);
    return d;
  };
  for (const n of graph.nodes) depthOf(n.id, new Set());
  const columns = [...new Set(layer.values())].sort((a, b) => a - b);
  // Boxes as wide as the longest label (monospace-ish 7 px a character), so
  // no name is cut; the title still shows it in full.
  const kindLine = (n) => n.kind + (n.platforms ? " · " + n.platforms.join(", ") : "");
  const longest = Math.max(0, ...graph.nodes.map((n) => Math.max(n.name.length, kindLine(n).length)));
  const W = Math.max(210, 16 + Math.ceil(longest * 7.2)), H = 34, GX = 70, GY = 14, PAD = 16;
  const place = new Map();
  let rows = 0;
  columns.forEach((c, ci) => {
    const members = graph.nodes.filter((n) => layer.get(n.id) === c);
    members.forEach((n, ri) => place.set(n.id, { x: PAD + ci * (W + GX), y: PAD + ri * (H + GY) }));
    rows = Math.max(rows, members.length);
  });
  const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
  const height = PAD * 2 + rows * H + Math.max(rows - 1, 0) * GY;
  const picture = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Lineage, data flowing left to right" });
  picture.append(svg("defs", {},
    svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))));
  for (const e of graph.edges) {
    const a = place.get(e.from), b = place.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
    picture.append(svg("path", {
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge",
      "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to,
    }));
  }
  for (const n of graph.nodes) {
    const p = place.get(n.id);
    const label = n.name;
    const box = svg("g", { class: "node " + n.kind + (n.side === "self" ? " self" : ""), "data-id": n.id, transform: `translate(${p.x},${p.y})` },
      svg("title", {}, n.kind + " " + n.name + (n.platforms ? ", run by " + n.platforms.join(", ") : "")),
      svg("rect", { width: W, height: H, rx: 5 }),
      svg("text", { x: 8, y: 12, class: "nodekind" }, kindLine(n)),
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
    el("div", { id: "capture" }, facts(d.datastore && d.datastore.capture)),
  );
}

/** A milestoning, latency or other setting as people read it. */
function setting(value) {
  return typeof value === "string" ? words(value.replace(/_/g, " ")) : facts(value);
}

/** A workspace: who owns it, where it is delivered, what each group reads and needs, and its transformer. */
function workspacePage(body) {
  const w = body.workspace || {};
  const platformsOf = new Map((body.assignments || []).map((a) => [a.name, a.platforms || []]));
  const groups = Object.entries(w.datasetGroups || {}).map(([group, g]) => {
    const req = g.requirements || {};
    const label = (k) => { const w_ = words(k); return w_.charAt(0).toUpperCase() + w_.slice(1); };
    const needs = Object.entries(req).flatMap(([k, v]) => [el("dt", {}, label(k)), el("dd", {}, setting(v))]);
    const platforms = platformsOf.get(group) || [];
    const sinks = (g.sinks || []).map((sink) =>
      el("tr", {},
        el("td", {}, link(API + "datastores/" + seg(sink.datastore) + "/datasets/" + seg(sink.dataset), sink.datastore + "." + sink.dataset)),
        el("td", {}, link(API + "datastores/" + seg(sink.datastore), sink.datastore))));
    return el("section", { class: "group", "data-group": group },
      el("h3", {}, group),
      description(g.documentation),
      el("dl", { class: "facts" },
        el("dt", {}, "Delivered by"),
        el("dd", {}, platforms.length ? platforms.map((p, i) => [i ? ", " : "", link(API + "platforms/" + seg(p), p)]).flat()
          : el("span", { class: "muted" }, w.transformer ? "wherever its output is delivered" : "no platform yet")),
        ...needs),
      el("table", { class: "sinks" },
        el("thead", {}, el("tr", {}, el("th", {}, "Reads dataset"), el("th", {}, "Of datastore"))),
        el("tbody", {}, sinks)));
  });
  const t = w.transformer;
  const code = t && t.code ? Object.keys(t.code)[0] : null;
  show(
    el("p", { class: "muted" }, "workspace"),
    el("h1", { id: "resource-name" }, body.name),
    description(w.documentation),
    el("dl", { class: "facts", id: "workspace-facts" },
      el("dt", {}, "Owner"), el("dd", {}, link(API + "zones/" + seg(body.zone) + "/teams/" + seg(body.team), "team " + body.team), " in zone ", link(API + "zones/" + seg(body.zone), body.zone)),
      el("dt", {}, "Container"), el("dd", {}, w.container ? String(w.container) : el("span", { class: "muted" }, "none")),
      el("dt", {}, "Priority"), el("dd", {}, setting(w.priority || "LOW")),
      // Defaults are left out of the model's JSON: shown as they are.
      el("dt", {}, "Production status"), el("dd", {}, setting(w.productionStatus || "NOT_PRODUCTION")),
      w.hook ? [el("dt", {}, "Hook"), el("dd", {}, facts(w.hook))] : []),
    el("h2", {}, "Dataset groups ", el("span", { class: "muted" }, "(" + groups.length + ")")),
    ...groups,
    t ? el("h2", {}, "Transformer") : null,
    t ? el("dl", { class: "facts", id: "transformer" },
      el("dt", {}, "Writes"), el("dd", {}, link(API + "datastores/" + seg(t.outputDatastore), t.outputDatastore)),
      el("dt", {}, "Code"), el("dd", {}, code ? words(code) : el("span", { class: "muted" }, "none")),
      t.trigger ? [el("dt", {}, "Runs"), el("dd", {}, facts(t.trigger))] : [],
      t.limits ? [el("dt", {}, "Limits"), el("dd", {}, facts(t.limits))] : []) : null,
  );
}

/** What kind of resource an API path is. */
function kindOf(path) {
  const patterns = [
    [/^zones\/[^/]+\/teams\/[^/]+$/, "team"],
    [/^zones\/[^/]+$/, "zone"],
    [/^workspaces\/[^/]+$/, "workspace"],
    [/^platforms\/[^/]+\/graph$/, "platform graph"],
    [/^platforms\/[^/]+$/, "platform"],
  ];
  const found = patterns.find(([re]) => re.test(path.split("?")[0]));
  return found ? found[1] : path.split(/[/?]/)[0];
}

/** Any other resource of the API: a list as a table, anything else as its facts. */
async function view(path) {
  const href = API + path;
  const body = await api(href);
  const kind = kindOf(path);
  if (Array.isArray(body.items)) {
    const total = body.total === undefined ? body.items.length : body.total;
    return show(
      el("p", { class: "muted" }, "list"),
      el("h1", {}, words(kind) + " ", el("span", { class: "muted" }, "(" + total.toLocaleString() + ")")),
      listing(body.items, "list"),
      body.next ? el("p", { class: "pager" }, link(body.next, "next page")) : null,
    );
  }
  if (kind === "workspace" && body.workspace) return workspacePage(body);
  const doc = body.documentation || (body.workspace && body.workspace.documentation) ||
    (body.declaration && body.declaration.documentation);
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !["name", "href", "documentation"].includes(k)));
  show(
    el("p", { class: "muted" }, kind),
    el("h1", { id: "resource-name" }, body.name || path),
    description(doc),
    el("div", { id: "resource", "data-kind": kind }, facts(rest)),
  );
}

/**
 * Says, above every view, when the model served is not what the files hold:
 * the last reload failed, so the last good model is served.
 */
async function staleness() {
  const banner = document.getElementById("stale");
  try {
    const diagnostics = await api(API + "diagnostics?limit=1");
    const reload = diagnostics.reload || {};
    if (reload.ok === false) {
      banner.replaceChildren(
        el("strong", {}, "The model's files failed to load; this is the last good model. "),
        reload.summary || "",
        " ", link(API + "diagnostics", "Why"));
      banner.hidden = false;
    } else if (reload.filesChanged) {
      banner.replaceChildren(
        el("strong", {}, "The model's files changed after this model was loaded; "),
        "it is shown as it was until the service reloads them (SIGHUP).");
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  } catch {
    banner.hidden = true;
  }
}

// Routing: the address after `#` names the view, so views can be linked and
// the browser's back button works.

async function render() {
  staleness();
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
