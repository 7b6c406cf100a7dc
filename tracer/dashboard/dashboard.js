// gst-gpustream dashboard: polls /api/stats every second and draws, per
// pipeline, the element graph with states and live charts per element and
// per source. History is kept in the page (the tracer serves the present).
// SPDX-License-Identifier: LGPL-2.1-or-later
"use strict";

const REFRESH_MS = 1000;
const HISTORY = 300; // points per series

// What a headless test reads back (tests/check/tracer/): errors seen, how
// many updates and chart points, and whether any charted value changed.
const selftest = { updates: 0, charts: 0, points: 0, changed: false, errors: [] };
function recordError(what) { selftest.errors.push(String(what)); }
window.addEventListener("error", (e) => {
  recordError(e.message || ("failed to load " + (e.target && (e.target.src || e.target.href))));
}, true);
window.addEventListener("unhandledrejection", (e) => recordError(e.reason));
const consoleError = console.error.bind(console);
console.error = (...args) => { recordError(args.join(" ")); consoleError(...args); };

const haveCharts = typeof uPlot !== "undefined";
if (!haveCharts)
  document.getElementById("nocharts").hidden = false;

// Charts per gpustream element: each lists stats fields (or rates of
// counters: {rate: field}) and a scale; shown when the element has any.
const ELEMENT_CHARTS = [
  { title: "throughput (items/s)", fields: ["throughput", "peak-throughput"] },
  { title: "batch size (items)", fields: ["average-batch-size", "target-batch-size", "average-batch"] },
  { title: "batch efficiency", fields: ["batch-efficiency"] },
  { title: "latency (ms)", fields: ["latency-p50-us", "latency-p99-us"], scale: 1e-3 },
  { title: "queue fill", fields: ["buffer-utilisation", "load-factor"] },
  { title: "pauses", fields: ["pause-count", "paused"] },
  { title: "drops and failures (items/s)", fields: [{ rate: "items-dropped" }, { rate: "items-failed" }] },
  { title: "cache hit ratio", fields: ["hit-ratio"] },
  { title: "engine time fraction", fields: ["engine-fraction"] },
];

const charts = new Map(); // key -> { plot, div, names, data }
let previous = null; // last /api/stats answer, for counter rates

function fieldValue(obj, f, dt, prevObj) {
  if (typeof f === "string")
    return typeof obj[f] === "number" ? obj[f] : (typeof obj[f] === "boolean" ? +obj[f] : undefined);
  if (typeof obj[f.rate] !== "number")
    return undefined;
  if (!prevObj || typeof prevObj[f.rate] !== "number" || !(dt > 0))
    return 0;
  return Math.max(0, (obj[f.rate] - prevObj[f.rate]) / dt);
}
function fieldName(f) { return typeof f === "string" ? f : f.rate + "/s"; }

// Appends one point to the chart `key` (created in `container` on first use,
// re-created when its series change).
function plot(container, key, title, t, named) {
  const names = Object.keys(named);
  if (names.length === 0)
    return;
  let c = charts.get(key);
  if (c && c.names.join() !== names.join()) {
    // a new series (a pad appeared): carry the old points over
    const old = c;
    c = { div: old.div, names, data: [old.data[0].slice()] };
    for (const n of names) {
      const i = old.names.indexOf(n);
      c.data.push(i >= 0 ? old.data[i + 1].slice() : old.data[0].map(() => null));
    }
    if (old.plot)
      old.plot.destroy();
    c.div.querySelector(".body").textContent = "";
    c.plot = null;
    charts.set(key, c);
  }
  if (!c) {
    const div = document.createElement("div");
    div.className = "chart";
    div.dataset.key = key;
    div.innerHTML = "<h3></h3><div class=body></div>";
    div.querySelector("h3").textContent = title;
    container.appendChild(div);
    c = { div, names, data: [[]].concat(names.map(() => [])), plot: null };
    charts.set(key, c);
  }
  c.data[0].push(t);
  names.forEach((n, i) => {
    const col = c.data[i + 1];
    const last = col.length ? col[col.length - 1] : undefined;
    if (last !== undefined && last !== null && last !== named[n])
      selftest.changed = true;
    col.push(named[n]);
  });
  if (c.data[0].length > HISTORY)
    c.data.forEach((col) => col.shift());
  c.div.dataset.points = c.data[0].length;

  if (!haveCharts) {
    c.div.querySelector(".body").textContent =
      names.map((n) => n + " " + Number(named[n]).toPrecision(4)).join("  ");
    return;
  }
  if (!c.plot) {
    const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
    c.plot = new uPlot({
      width: 380, height: 180,
      series: [{}].concat(names.map((n, i) => ({ label: n, stroke: palette[i % palette.length], width: 1.5 }))),
      axes: [{}, { size: 60 }],
    }, c.data, c.div.querySelector(".body"));
  } else {
    c.plot.setData(c.data);
  }
}

// The element graph: columns by distance from the sources, one box per
// element coloured by its state, one line per link.
function drawGraph(section, pipeline) {
  const els = pipeline.elements.filter((e) => e.parent !== "" && !e.bin);
  const byName = new Map(els.map((e) => [e.name, e]));
  const ups = new Map(els.map((e) => [e.name, []]));
  const links = [];
  for (const e of els)
    for (const p of e.pads)
      if (p.direction === "src" && p.peer) {
        const to = p.peer.split(".")[0];
        if (byName.has(to)) {
          links.push([e.name, to]);
          ups.get(to).push(e.name);
        }
      }
  const col = new Map();
  const depth = (n, seen) => {
    if (col.has(n)) return col.get(n);
    if (seen.has(n)) return 0;
    seen.add(n);
    const d = ups.get(n).reduce((m, u) => Math.max(m, depth(u, seen) + 1), 0);
    col.set(n, d);
    return d;
  };
  els.forEach((e) => depth(e.name, new Set()));
  const rows = new Map();
  const pos = new Map();
  const W = 120, H = 34, GX = 40, GY = 12;
  for (const e of els) {
    const c = col.get(e.name);
    const r = rows.get(c) || 0;
    rows.set(c, r + 1);
    pos.set(e.name, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) });
  }
  const height = 20 + Math.max(1, ...rows.values()) * (H + GY);
  let svg = `<svg class="graph" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">' +
    '<path d="M0,0 L10,5 L0,10 z" fill="#889"/></marker></defs>';
  for (const [a, b] of links) {
    const p = pos.get(a), q = pos.get(b);
    svg += `<line x1="${p.x + W}" y1="${p.y + H / 2}" x2="${q.x}" y2="${q.y + H / 2}"/>`;
  }
  const esc = (s) => s.replace(/[&<>"]/g, (ch) => "&#" + ch.charCodeAt(0) + ";");
  for (const e of els) {
    const p = pos.get(e.name);
    svg += `<g><title>${esc(e.kind)} ${esc(e.name)}: ${e.state}</title>` +
      `<rect class="${e.state}" x="${p.x}" y="${p.y}" width="${W}" height="${H}"/>` +
      `<text x="${p.x + W / 2}" y="${p.y + 11}">${esc(e.name.slice(0, 18))}</text>` +
      `<text x="${p.x + W / 2}" y="${p.y + 25}">${esc(e.kind.slice(0, 12))} · ${e.state}</text></g>`;
  }
  section.querySelector(".graphbox").innerHTML = svg + "</svg>";
}

function sectionFor(name) {
  const id = "pipeline-" + name;
  let s = document.getElementById(id);
  if (!s) {
    s = document.createElement("section");
    s.className = "pipeline";
    s.id = id;
    s.innerHTML = "<h2></h2><div class=graphbox></div><div class=charts></div>";
    s.querySelector("h2").textContent = "pipeline " + name;
    document.getElementById("pipelines").appendChild(s);
  }
  return s;
}

function update(stats) {
  const t = stats["wall-time"]; // x axis
  const dt = previous ? stats.time - previous.time : 0; // monotonic
  const prevEl = new Map();
  if (previous)
    for (const p of previous.pipelines)
      for (const e of p.elements)
        prevEl.set(p.name + "/" + e.name, e);

  const live = new Set();
  for (const p of stats.pipelines) {
    const section = sectionFor(p.name);
    live.add(section.id);
    section.querySelector("h2").textContent = "pipeline " + p.name + " — " +
      p.elements[0].state;
    drawGraph(section, p);
    const box = section.querySelector(".charts");

    const rates = {}, proc = {};
    for (const e of p.elements) {
      for (const pad of e.pads)
        if (pad.direction === "src" && typeof pad.rate === "number")
          rates[e.name + "." + pad.name] = pad.rate;
      if (e.processing && e.parent !== "")
        proc[e.name] = e.processing["p50-us"];
    }
    plot(box, p.name + "/rates", "buffers/s per source pad (all elements)", t, rates);
    plot(box, p.name + "/processing", "processing time p50 per element (µs)", t, proc);

    for (const e of p.elements) {
      if (!e.stats)
        continue;
      const before = prevEl.get(p.name + "/" + e.name);
      const prevStats = before && before.stats;
      for (const spec of ELEMENT_CHARTS) {
        const named = {};
        for (const f of spec.fields) {
          const v = fieldValue(e.stats, f, dt, prevStats);
          if (v !== undefined)
            named[fieldName(f)] = v * (spec.scale || 1);
        }
        plot(box, p.name + "/" + e.name + "/" + spec.title,
          e.name + " (" + e.kind + "): " + spec.title, t, named);
      }
      // per source: a stats array of structures with a pad name (gpuunbatch)
      for (const [field, value] of Object.entries(e.stats)) {
        if (!Array.isArray(value) || !value.length || typeof value[0] !== "object")
          continue;
        const named = {};
        const prevArr = prevStats && prevStats[field];
        value.forEach((item, i) => {
          const prevItem = Array.isArray(prevArr) ? prevArr.find((x) => x.pad === item.pad) : undefined;
          const v = fieldValue(item, { rate: "items-out" }, dt, prevItem);
          if (v !== undefined)
            named[item.pad || String(i)] = v;
        });
        plot(box, p.name + "/" + e.name + "/" + field,
          e.name + ": items/s per source (" + field + ")", t, named);
      }
    }
  }
  // pipelines gone since: remove their sections and charts
  for (const s of document.querySelectorAll("section.pipeline"))
    if (!live.has(s.id)) {
      for (const [key, c] of charts)
        if (s.contains(c.div)) {
          if (c.plot) c.plot.destroy();
          charts.delete(key);
        }
      s.remove();
    }

  previous = stats;
  selftest.updates++;
  selftest.charts = charts.size;
  selftest.points = 0;
  for (const c of charts.values())
    selftest.points += c.data[0].length;
  document.getElementById("status").textContent = "updated " +
    new Date().toLocaleTimeString() + " · " + stats.pipelines.length + " pipeline(s)";
}

async function poll() {
  try {
    const r = await fetch("api/stats", { cache: "no-store" });
    if (!r.ok)
      throw new Error("api/stats answered " + r.status);
    update(await r.json());
  } catch (e) {
    document.getElementById("status").textContent = "no answer from the tracer: " + e.message;
    selftest.lastFailure = String(e);
  }
  document.getElementById("selftest").textContent = JSON.stringify(selftest);
  setTimeout(poll, REFRESH_MS);
}

poll();
