// flinklite's dashboard: a plain script over Flink's REST API (no build step, no libraries).
// It polls once a second and redraws numbers in place; the graph is rebuilt only when the job
// or its vertices change.
"use strict";

const MIN_WM = -9223372036854775808;
const POLL_MS = 1000;
let currentJob = null;
let graphKey = null;

async function getJson(path, options) {
  const r = await fetch(path, Object.assign({ cache: "no-store" }, options || {}));
  const text = await r.text();
  const doc = text ? JSON.parse(text) : {};
  if (!r.ok) throw new Error((doc.errors || [r.statusText]).join("; "));
  return doc;
}

function el(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children || []) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return e;
}

function fmtRate(v) {
  if (v === undefined || v === null) return "–";
  if (v >= 1e6) return (v / 1e6).toFixed(2) + " M/s";
  if (v >= 1e3) return (v / 1e3).toFixed(1) + " k/s";
  return v.toFixed(1) + " /s";
}

function fmtCount(v) {
  if (v === undefined || v === null) return "–";
  return Math.round(v).toLocaleString("en-US");
}

function fmtWatermark(v) {
  if (v === undefined || v === null || v <= MIN_WM / 2) return "no watermark";
  if (v >= 9e18) return "MAX (end of input)";
  if (v > 1e11) return new Date(v).toISOString().replace("T", " ").replace("Z", "");
  return Math.round(v) + " ms";
}

function fmtBytes(b) {
  if (b >= 1 << 20) return (b / (1 << 20)).toFixed(1) + " MiB";
  if (b >= 1 << 10) return (b / (1 << 10)).toFixed(1) + " KiB";
  return b + " B";
}

function setValue(node, value, text) {
  if (!node) return;
  node.setAttribute("data-value", value === undefined || value === null ? "" : String(value));
  node.textContent = text;
}

// -- graph -----------------------------------------------------------------------------------------
function depths(plan) {
  const byId = {};
  for (const n of plan.nodes) byId[n.id] = n;
  const memo = {};
  const depth = (id) => {
    if (memo[id] !== undefined) return memo[id];
    memo[id] = 0;
    const inputs = (byId[id] && byId[id].inputs) || [];
    memo[id] = inputs.length ? 1 + Math.max(...inputs.map((i) => depth(i.id))) : 0;
    return memo[id];
  };
  for (const n of plan.nodes) depth(n.id);
  return memo;
}

function buildGraph(job) {
  const graph = document.getElementById("graph");
  graph.innerHTML = "";
  const d = depths(job.plan);
  const columns = [];
  for (const v of job.vertices) {
    const c = d[v.id] || 0;
    (columns[c] = columns[c] || []).push(v);
  }
  for (const col of columns) {
    const column = el("div", { class: "column" });
    for (const v of col || []) {
      const rows = v.operators.map((op, i) => el("tr", { class: i ? "chain" : "head", "data-operator": op.name }, [
        el("td", { class: "op-name", text: op.name }),
        el("td", { class: "rate-in", "data-value": "" }),
        el("td", { class: "rate-out", "data-value": "" }),
        el("td", { class: "watermark", "data-value": "" }),
      ]));
      const table = el("table", {}, [
        el("thead", {}, [el("tr", {}, [el("th", { text: "operator" }), el("th", { text: "in" }),
          el("th", { text: "out" }), el("th", { text: "watermark" })])]),
        el("tbody", {}, rows),
      ]);
      const chained = v.operators.length > 1 ? ` · ${v.operators.length} operators chained` : "";
      const box = el("div", { class: "vertex", id: "v-" + v.id, "data-vertex-id": v.id }, [
        el("h3", { class: "vertex-name", text: v.name }),
        el("div", { class: "meta" }, [
          el("span", { class: "parallelism", "data-value": String(v.parallelism), text: `parallelism ${v.parallelism}` }),
          el("span", { text: chained }), " · ", el("span", { class: "vertex-status", text: v.status }),
        ]),
        table,
        el("div", { class: "task-line" }, [
          el("span", {}, ["records in ", el("b", { class: "records-in", "data-value": "" })]),
          el("span", {}, ["out ", el("b", { class: "records-out", "data-value": "" })]),
          el("span", {}, ["busy ", el("b", { class: "busy", "data-value": "" })]),
          el("span", {}, ["backpressure ", el("b", { class: "backpressure", "data-value": "" })]),
        ]),
      ]);
      column.appendChild(box);
    }
    graph.appendChild(column);
  }
  drawEdges(job);
}

function drawEdges(job) {
  const graph = document.getElementById("graph");
  const old = graph.querySelector("svg");
  if (old) old.remove();
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", graph.scrollWidth);
  svg.setAttribute("height", graph.scrollHeight);
  const base = graph.getBoundingClientRect();
  for (const n of job.plan.nodes) {
    const to = document.getElementById("v-" + n.id);
    for (const input of n.inputs) {
      const from = document.getElementById("v-" + input.id);
      if (!from || !to) continue;
      const a = from.getBoundingClientRect();
      const b = to.getBoundingClientRect();
      const x1 = a.right - base.left, y1 = a.top + a.height / 2 - base.top;
      const x2 = b.left - base.left, y2 = b.top + b.height / 2 - base.top;
      const path = document.createElementNS(ns, "path");
      const mid = (x1 + x2) / 2;
      path.setAttribute("d", `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`);
      path.setAttribute("stroke", "#8a93a6");
      path.setAttribute("fill", "none");
      path.setAttribute("stroke-width", "1.5");
      svg.appendChild(path);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", mid);
      label.setAttribute("text-anchor", "middle");
      label.setAttribute("y", (y1 + y2) / 2 - 4);
      label.setAttribute("class", "edge-label");
      label.textContent = input.ship_strategy;
      svg.appendChild(label);
    }
  }
  graph.insertBefore(svg, graph.firstChild);
}

// -- live numbers ------------------------------------------------------------------------------------
async function updateVertex(jid, v) {
  const box = document.getElementById("v-" + v.id);
  if (!box) return;
  box.querySelector(".vertex-status").textContent = v.status;
  const names = ["numRecordsIn", "numRecordsOut", "busyTimeMsPerSecond"];
  for (const op of v.operators) {
    names.push(`${op.name}.numRecordsInPerSecond`, `${op.name}.numRecordsOutPerSecond`,
      `${op.name}.currentOutputWatermark`);
  }
  const base = `/jobs/${jid}/vertices/${v.id}`;
  const [metrics, bp] = await Promise.all([
    getJson(`${base}/subtasks/metrics?get=${encodeURIComponent(names.join(","))}&agg=sum,min,max`),
    getJson(`${base}/backpressure`),
  ]);
  const m = {};
  for (const row of metrics) m[row.id] = row;
  for (const row of box.querySelectorAll("tr[data-operator]")) {
    const op = row.getAttribute("data-operator");
    const rin = m[`${op}.numRecordsInPerSecond`], rout = m[`${op}.numRecordsOutPerSecond`];
    const wm = m[`${op}.currentOutputWatermark`];
    setValue(row.querySelector(".rate-in"), rin && rin.sum, fmtRate(rin && rin.sum));
    setValue(row.querySelector(".rate-out"), rout && rout.sum, fmtRate(rout && rout.sum));
    setValue(row.querySelector(".watermark"), wm && wm.min, fmtWatermark(wm && wm.min));
  }
  const rin = m.numRecordsIn, rout = m.numRecordsOut, busy = m.busyTimeMsPerSecond;
  setValue(box.querySelector(".records-in"), rin && rin.sum, fmtCount(rin && rin.sum));
  setValue(box.querySelector(".records-out"), rout && rout.sum, fmtCount(rout && rout.sum));
  setValue(box.querySelector(".busy"), busy && busy.max, busy ? Math.round(busy.max / 10) + " %" : "–");
  const worst = Math.max(0, ...bp.subtasks.map((s) => s.ratio));
  setValue(box.querySelector(".backpressure"), worst, `${bp.backpressureLevel} (${Math.round(worst * 100)} %)`);
  box.classList.remove("bp-low", "bp-high", "RUNNING", "FINISHED", "CANCELED", "FAILED");
  if (bp.backpressureLevel !== "ok") box.classList.add("bp-" + bp.backpressureLevel);
  box.classList.add(v.status);
}

function renderCheckpoints(cps) {
  const c = cps.counts;
  document.getElementById("cp-counts").textContent =
    `completed ${c.completed} · failed ${c.failed} · in progress ${c.in_progress} · restored ${c.restored}`;
  const body = document.querySelector("#checkpoints tbody");
  body.innerHTML = "";
  for (const h of cps.history) {
    body.appendChild(el("tr", { class: "checkpoint", "data-id": String(h.id) }, [
      el("td", { text: String(h.id) }), el("td", { text: h.is_savepoint ? "savepoint" : "checkpoint" }),
      el("td", { class: "cp-status", text: h.status }),
      el("td", { text: new Date(h.trigger_timestamp).toLocaleTimeString() }),
      el("td", { text: h.end_to_end_duration + " ms" }), el("td", { text: fmtBytes(h.state_size) }),
      el("td", { text: `${h.num_acknowledged_subtasks}/${h.num_subtasks}` }),
    ]));
  }
}

function renderExceptions(exc) {
  const box = document.getElementById("exceptions");
  const entries = exc.exceptionHistory.entries;
  box.innerHTML = "";
  if (!entries.length) {
    box.appendChild(el("p", { class: "muted", text: "none" }));
    return;
  }
  for (const e of entries) {
    box.appendChild(el("div", { class: "exception" }, [
      el("b", { text: e.exceptionName }), " ", el("span", { class: "muted", text: e.taskName || "" }),
      el("pre", { text: e.stacktrace }),
    ]));
  }
}

async function poll() {
  try {
    const [overview, jobs] = await Promise.all([getJson("/overview"), getJson("/jobs/overview")]);
    document.getElementById("cluster").textContent =
      `Flink ${overview["flink-version"]} API · running ${overview["jobs-running"]} · finished ${overview["jobs-finished"]}`;
    const select = document.getElementById("job-select");
    const ids = jobs.jobs.map((j) => j.jid);
    if (select.options.length !== ids.length) {
      select.innerHTML = "";
      for (const j of jobs.jobs) select.appendChild(el("option", { value: j.jid, text: `${j.name} (${j.state})` }));
    }
    const wanted = location.hash.slice(1);
    if (!currentJob || !ids.includes(currentJob)) {
      const running = jobs.jobs.find((j) => j.state === "RUNNING");
      currentJob = ids.includes(wanted) ? wanted : running ? running.jid : ids[ids.length - 1];
    }
    select.value = currentJob || "";
    if (!currentJob) {
      document.getElementById("status-line").textContent = "no jobs yet";
      return;
    }
    const job = await getJson(`/jobs/${currentJob}`);
    document.getElementById("job-name").textContent = `${job.name} · ${job.jid}`;
    const state = document.getElementById("job-state");
    state.textContent = job.state;
    state.className = "state " + job.state;
    const key = currentJob + ":" + job.vertices.map((v) => v.id).join(",");
    if (key !== graphKey) {
      buildGraph(job);
      graphKey = key;
    }
    await Promise.all(job.vertices.map((v) => updateVertex(currentJob, v)));
    drawEdges(job); // boxes change size as numbers arrive
    const [cps, exc] = await Promise.all([getJson(`/jobs/${currentJob}/checkpoints`),
      getJson(`/jobs/${currentJob}/exceptions`)]);
    renderCheckpoints(cps);
    renderExceptions(exc);
    document.getElementById("status-line").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.setAttribute("data-loaded", "true");
  } catch (e) {
    document.getElementById("status-line").textContent = "error: " + e.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

document.getElementById("job-select").addEventListener("change", (e) => {
  currentJob = e.target.value;
  location.hash = currentJob;
});
document.getElementById("btn-savepoint").addEventListener("click", async () => {
  if (!currentJob) return;
  try {
    const r = await getJson(`/jobs/${currentJob}/savepoints`, { method: "POST", body: "{}" });
    document.getElementById("status-line").textContent = "savepoint triggered: " + r["request-id"];
  } catch (e) {
    document.getElementById("status-line").textContent = "savepoint failed: " + e.message;
  }
});
document.getElementById("btn-cancel").addEventListener("click", async () => {
  if (currentJob && confirm("Cancel job " + currentJob + "?")) {
    await getJson(`/jobs/${currentJob}?mode=cancel`, { method: "PATCH" });
  }
});
poll();
