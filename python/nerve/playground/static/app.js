// nerve playground: the page. It draws what the server sends; the network trains on the server,
// in nerve's C++ engine. While playing, the page asks for a frame (about 40 ms of training) as
// soon as the previous one has been drawn.
"use strict";

const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
const RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const FEATURE_LABELS = {
  "x1": "x\u2081", "x2": "x\u2082", "x1^2": "x\u2081\u00B2", "x2^2": "x\u2082\u00B2",
  "x1x2": "x\u2081x\u2082", "sin(x1)": "sin x\u2081", "sin(x2)": "sin x\u2082",
};
const DATASET_LABELS = {
  "circle": "circle", "xor": "XOR", "gauss": "Gaussian", "spiral": "spiral",
  "reg-plane": "plane", "reg-gauss": "bumps",
};
const TRAIN_MS = 40;

const $ = (id) => document.getElementById(id);
let options = null;   // the server's choices (GET /api/options)
let state = null;     // the last accepted settings, data points and frame
let frame = null;     // the frame drawn now
let playing = false;
let busy = false;     // a request that changes the session is in flight

// ---- colours ----------------------------------------------------------------------------------

// 256 colours for the bytes of a heat map: 0 is -1 (orange), 128 about 0, 255 is +1 (blue).
const LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 127.5 - 1, t = Math.abs(v), end = v < 0 ? NEG : POS;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = MID[c] + (end[c] - MID[c]) * t;
  }
  return lut;
})();

function decode(b64) {
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// Draws a res x res heat map (bytes) onto a canvas, scaled up smoothly.
function paint(canvas, bytes, res, discretize) {
  const img = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    let b = bytes[i];
    if (discretize) b = b >= 128 ? 255 : 0;
    img.data[i * 4] = LUT[b * 3];
    img.data[i * 4 + 1] = LUT[b * 3 + 1];
    img.data[i * 4 + 2] = LUT[b * 3 + 2];
    img.data[i * 4 + 3] = 255;
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = res;
  tmp.getContext("2d").putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function rgb(c, alpha = 1) { return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`; }
function pointColour(label) {
  const t = Math.max(-1, Math.min(1, label)), end = t < 0 ? NEG : POS, a = Math.abs(t);
  return rgb(MID.map((m, c) => Math.round(m + (end[c] - m) * a)));
}

// ---- talking to the server --------------------------------------------------------------------

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  let reply;
  try {
    reply = await fetch(path, init);
  } catch (e) {
    throw new Error("lost the connection to the playground server (is it still running?)");
  }
  const json = await reply.json().catch(() => ({ error: `${reply.status} ${reply.statusText}` }));
  if (!reply.ok) throw new Error(json.error || `${reply.status} ${reply.statusText}`);
  return json;
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

// Sends changed settings. Refused settings leave everything as it was: the message says why and
// the controls go back to the settings the server holds.
async function configure(changes) {
  busy = true;
  try {
    acceptState(await api("/api/config", changes));
    showMessage("");
  } catch (e) {
    showMessage(e.message);
    renderControls();
    renderNetwork();
  } finally {
    busy = false;
  }
}

function acceptState(s) {
  state = s;
  frame = s.frame;
  renderControls();
  renderNetwork();
  renderFrame();
}

// ---- play, pause, step, reset -----------------------------------------------------------------

function setPlaying(on) {
  playing = on;
  $("play").innerHTML = on ? "&#x25AE;&#x25AE; pause" : "&#x25B6; play";
  if (on) loop();
}

async function loop() {
  while (playing) {
    if (busy) { await new Promise((r) => setTimeout(r, 10)); continue; }
    const network = state.frame.network;
    try {
      const f = await api("/api/train", { ms: TRAIN_MS });
      if (f.network === network && f.network === state.frame.network) { frame = f; renderFrame(); }
      if (f.error) { showMessage(f.error); setPlaying(false); }
    } catch (e) {
      showMessage(e.message);
      setPlaying(false);
    }
    await new Promise((r) => setTimeout(r, 0));
  }
}

async function step() {
  setPlaying(false);
  try {
    frame = await api("/api/step", {});
    renderFrame();
    if (frame.error) showMessage(frame.error);
  } catch (e) { showMessage(e.message); }
}

async function reset() {
  busy = true;
  try {
    acceptState(await api("/api/reset", {}));
    showMessage("");
  } catch (e) { showMessage(e.message); } finally { busy = false; }
}

// ---- controls ---------------------------------------------------------------------------------

function fillSelect(select, values, label = (v) => String(v)) {
  select.innerHTML = "";
  for (const v of values) {
    const o = document.createElement("option");
    o.value = String(v);
    o.textContent = label(v);
    select.appendChild(o);
  }
}

// A small picture of each data set for its button.
function datasetIcon(name) {
  const c = document.createElement("canvas");
  c.width = c.height = 26;
  const f = {
    "circle": (x, y) => (Math.hypot(x, y) < 3 ? 1 : -1),
    "xor": (x, y) => (x * y >= 0 ? 1 : -1),
    "gauss": (x, y) => Math.tanh(((x + y) * 0.9)),
    "spiral": (x, y) => {
      const r = Math.hypot(x, y) / 5, a = Math.atan2(x, y);
      return Math.sin(a - 1.75 * 2 * Math.PI * r) >= 0 ? 1 : -1;
    },
    "reg-plane": (x, y) => (x + y) / 12,
    "reg-gauss": (x, y) => Math.sin(x * 0.8) * Math.sin(y * 1.2),
  }[name];
  const bytes = new Uint8Array(26 * 26);
  for (let i = 0; i < 26; i++) {
    for (let j = 0; j < 26; j++) {
      const v = f(-6 + (j + 0.5) * 12 / 26, 6 - (i + 0.5) * 12 / 26);
      bytes[i * 26 + j] = Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5);
    }
  }
  paint(c, bytes, 26, false);
  return c;
}

function setupControls() {
  const box = $("datasets");
  for (const name of options.datasets) {
    const b = document.createElement("button");
    b.dataset.dataset = name;
    b.title = options.regression.includes(name) ? `${name} (regression)` : name;
    b.appendChild(datasetIcon(name));
    b.appendChild(document.createTextNode(DATASET_LABELS[name] || name));
    b.onclick = () => configure({ dataset: name });
    box.appendChild(b);
  }
  fillSelect($("activation"), options.activations);
  fillSelect($("regularization"), options.regularizations);
  fillSelect($("regularization_rate"), REG_RATES);
  for (const r of RATES) {
    const o = document.createElement("option");
    o.value = String(r);
    $("rates").appendChild(o);
  }
  $("activation").onchange = (e) => configure({ activation: e.target.value });
  $("regularization").onchange = (e) => configure({ regularization: e.target.value });
  $("regularization_rate").onchange = (e) =>
    configure({ regularization_rate: Number(e.target.value) });
  $("learning_rate").onchange = (e) => {
    const text = e.target.value.trim(), v = Number(text);
    // Sent as typed: the server says what is wrong with a rate it cannot use.
    configure({ learning_rate: text === "" || Number.isNaN(v) ? text : v });
  };
  for (const id of ["train_percent", "noise", "batch_size"]) {
    $(id).oninput = (e) => { $(`${id}-value`).textContent = e.target.value; };
    $(id).onchange = (e) => configure({ [id]: Number(e.target.value) });
  }
  $("regenerate").onclick = () => configure({ seed: (state.settings.seed + 1) % 2147483647 });
  $("play").onclick = () => setPlaying(!playing);
  $("step").onclick = step;
  $("reset").onclick = reset;
  $("add-layer").onclick = () => {
    const hidden = state.settings.hidden.slice();
    hidden.push(hidden.length ? hidden[hidden.length - 1] : 2);
    configure({ hidden });
  };
  $("remove-layer").onclick = () => configure({ hidden: state.settings.hidden.slice(0, -1) });
  $("show-test").onchange = renderFrame;
  $("discretize").onchange = renderFrame;
  window.addEventListener("resize", () => { renderNetwork(); renderFrame(); });
}

function renderControls() {
  const s = state.settings;
  for (const b of $("datasets").children) {
    b.classList.toggle("selected", b.dataset.dataset === s.dataset);
  }
  $("activation").value = s.activation;
  $("regularization").value = s.regularization;
  $("regularization_rate").value = String(s.regularization_rate);
  $("learning_rate").value = String(s.learning_rate);
  for (const id of ["train_percent", "noise", "batch_size"]) {
    $(id).value = s[id];
    $(`${id}-value`).textContent = s[id];
  }
  $("problem").textContent = state.regression ? "regression" : "classification";
  const n = s.hidden.length;
  $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
}

// ---- the network: nodes with their heat maps, links by weight --------------------------------

let nodes = null;   // per column: [{el, canvas, x, y}] (centres in #net's coordinates)
const NODE = 40;

function renderNetwork() {
  const net = $("net"), s = state.settings;
  for (const el of Array.from(net.children)) if (el.id !== "links") el.remove();
  const width = net.clientWidth, height = net.clientHeight;
  const columns = [options.features, ...s.hidden.map((n) => Array(n).fill(null)), [null]];
  const left = 70, right = width - NODE / 2 - 4;
  const dx = columns.length > 1 ? (right - left) / (columns.length - 1) : 0;
  nodes = columns.map((col, c) => {
    const x = left + c * dx, top = 40;
    const dy = Math.min(56, (height - top - NODE) / Math.max(1, col.length - 1));
    return col.map((feature, r) => {
      const y = top + NODE / 2 + r * dy;
      const el = document.createElement("div");
      el.className = "node";
      el.style.left = `${x - NODE / 2}px`;
      el.style.top = `${y - NODE / 2}px`;
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 24;
      el.appendChild(canvas);
      if (c === 0) {
        el.classList.add("feature");
        el.dataset.feature = feature;
        const on = s.features.includes(feature);
        el.classList.toggle("off", !on);
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = FEATURE_LABELS[feature] || feature;
        el.appendChild(name);
        el.title = on ? "click: stop using this feature" : "click: use this feature";
        el.onclick = () => {
          const features = on ? s.features.filter((f) => f !== feature)
            : options.features.filter((f) => f === feature || s.features.includes(f));
          configure({ features });
        };
      } else if (c === columns.length - 1) {
        el.classList.add("output");
        el.title = "output";
      } else {
        el.dataset.layer = String(c - 1);
        el.dataset.neuron = String(r);
      }
      if (c === 0) paint(canvas, decode(state.feature_maps[feature]), state.frame.neuron_resolution, false);
      net.appendChild(el);
      return { el, canvas, x, y, feature };
    });
  });
  // +/- neurons above each hidden layer.
  s.hidden.forEach((n, i) => {
    const x = left + (i + 1) * dx;
    const buttons = document.createElement("div");
    buttons.className = "layer-buttons";
    buttons.style.left = `${x}px`;
    buttons.style.top = "0px";
    for (const [text, delta, title] of [["+", 1, "add a neuron"], ["\u2212", -1, "remove a neuron"]]) {
      const b = document.createElement("button");
      b.textContent = text;
      b.title = title;
      b.dataset.layer = String(i);
      b.dataset.delta = String(delta);
      // No lower bound here: a layer of 0 neurons is refused by the server, with a message.
      b.onclick = () => {
        const hidden = state.settings.hidden.slice();
        hidden[i] += delta;
        configure({ hidden });
      };
      buttons.appendChild(b);
    }
    net.appendChild(buttons);
    const label = document.createElement("div");
    label.className = "layer-label";
    label.style.left = `${x}px`;
    label.style.top = "24px";
    label.textContent = `${n} neuron${n === 1 ? "" : "s"}`;
    net.appendChild(label);
  });
}

function renderLinks() {
  const svg = $("links"), s = state.settings;
  svg.innerHTML = "";
  if (!frame || !nodes) return;
  // Column 0 shows every feature; the network's inputs are the chosen ones, in order.
  const sources = [nodes[0].filter((n) => s.features.includes(n.feature))];
  for (let c = 1; c < nodes.length; c++) sources.push(nodes[c]);
  frame.weights.forEach((kernel, l) => {
    const from = sources[l], to = nodes[l + 1];
    kernel.forEach((row, i) => row.forEach((w, j) => {
      const a = from[i], b = to[j];
      if (!a || !b) return;
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      const x0 = a.x + NODE / 2, x1 = b.x - NODE / 2, mx = (x0 + x1) / 2;
      path.setAttribute("d", `M${x0},${a.y} C${mx},${a.y} ${mx},${b.y} ${x1},${b.y}`);
      path.setAttribute("stroke", rgb(w >= 0 ? POS : NEG, 0.85));
      path.setAttribute("stroke-width", Math.min(8, 0.4 + 1.6 * Math.abs(w)).toFixed(2));
      path.dataset.weight = String(w);
      const tip = document.createElementNS("http://www.w3.org/2000/svg", "title");
      tip.textContent = `weight ${w}`;
      path.appendChild(tip);
      svg.appendChild(path);
    }));
  });
}

// ---- the output: heat map with points, losses ------------------------------------------------

function renderFrame() {
  if (!frame || !state) return;
  const discretize = $("discretize").checked;
  $("epoch").textContent = frame.epoch.toLocaleString("en-US");
  $("rate").textContent = frame.steps_per_second
    ? `${frame.steps_per_second.toLocaleString("en-US")} steps/s` : "";
  const loss = (v) => (v === null ? "\u2013" : v.toFixed(3));  // null: not a finite number
  $("test-loss").textContent = loss(frame.test_loss);
  $("train-loss").textContent = loss(frame.train_loss);

  const heat = $("heatmap");
  paint(heat, decode(frame.output), frame.resolution, discretize);
  drawPoints(heat);
  drawLossCurve();

  if (nodes) {
    const nr = frame.neuron_resolution;
    frame.neurons.forEach((maps, l) => maps.forEach((m, j) => {
      if (nodes[l + 1] && nodes[l + 1][j]) paint(nodes[l + 1][j].canvas, decode(m), nr, discretize);
    }));
    const out = nodes[nodes.length - 1][0];
    paint(out.canvas, decode(frame.output), frame.resolution, discretize);
  }
  renderLinks();
}

function drawPoints(canvas) {
  const ctx = canvas.getContext("2d"), e = state.extent, w = canvas.width, h = canvas.height;
  const draw = (pts, stroke) => {
    for (const [x, y, label] of pts) {
      ctx.beginPath();
      ctx.arc((x + e) / (2 * e) * w, (e - y) / (2 * e) * h, 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = pointColour(label);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = stroke;
      ctx.stroke();
    }
  };
  draw(state.train, "#ffffff");
  if ($("show-test").checked) draw(state.test, "#000000");
}

function drawLossCurve() {
  const c = $("loss-curve"), ctx = c.getContext("2d");
  const h = frame.history.filter((p) => p[1] !== null && p[2] !== null);
  ctx.clearRect(0, 0, c.width, c.height);
  if (h.length < 2) return;
  const maxE = h[h.length - 1][0] || 1;
  const maxL = Math.max(...h.map((p) => Math.max(p[1], p[2])), 1e-9);
  for (const [k, colour] of [[1, "#888888"], [2, "#222222"]]) {
    ctx.beginPath();
    h.forEach((p, i) => {
      const x = (p[0] / maxE) * (c.width - 2) + 1, y = c.height - 2 - (p[k] / maxL) * (c.height - 4);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}

// ---- start ------------------------------------------------------------------------------------

async function start() {
  try {
    options = await api("/api/options");
    setupControls();
    acceptState(await api("/api/state"));
  } catch (e) {
    showMessage(e.message);
  }
}

start();
