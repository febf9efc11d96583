// The f5tts page: voices, text and settings in, streamed speech out.
// Speech is requested as raw PCM (s16le, mono, 24 kHz). Each piece is played through Web Audio as it
// arrives, so playback starts with the first text chunk; when the stream ends the whole clip becomes a
// WAV Blob for the <audio> element and the download link.
"use strict";

const SAMPLE_RATE = 24000;
const MAX_UPLOAD = 10 * 1024 * 1024;
const $ = (id) => document.getElementById(id);

const state = {
  voices: [],        // [{id, name}] as GET /v1/audio/voices lists them; "builtin" first
  controller: null,  // AbortController of the running synthesis
  audio: null,       // AudioContext, made on the first click (browsers want a gesture)
  sources: [],       // scheduled AudioBufferSourceNodes, stopped by Stop
  clipURL: null,     // object URL of the last clip
};

// ---- Server calls -------------------------------------------------------------------------------

function authHeaders() {
  const key = $("api-key").value.trim();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/// A readable message from a failed response: OpenAI's {"error": {message, type, param, code}} when the
/// body has it, else the status and the start of the body.
async function errorMessage(response) {
  const text = await response.text().catch(() => "");
  let error = null;
  try { error = JSON.parse(text).error; } catch (_) { /* not JSON */ }
  const status = `${response.status}${response.statusText ? " " + response.statusText : ""}`;
  if (error && typeof error === "object" && error.message) {
    const where = error.param ? ` (field: ${error.param})` : "";
    let hint = "";
    if (response.status === 401) hint = " Enter the server's key under Settings → API key.";
    if (response.status === 429) hint = ` The server is busy; try again${response.headers.get("Retry-After") ? ` in ${response.headers.get("Retry-After")} s` : ""}.`;
    return { message: `${error.message}${where}${hint}`, status, param: error.param || null };
  }
  if (error && typeof error === "string") return { message: error, status, param: null };
  return { message: text.trim().slice(0, 300) || "The server gave no reason.", status, param: null };
}

async function loadVoices(select) {
  const response = await fetch("/v1/audio/voices", { cache: "no-store" });
  if (!response.ok) throw new Error(`Could not list the voices: ${(await errorMessage(response)).message}`);
  const list = (await response.json()).voices;
  state.voices = Array.isArray(list) ? list : [];
  const voice = $("voice");
  const keep = select || voice.value;
  voice.replaceChildren(...state.voices.map((v) => new Option(v.name && v.name !== v.id ? `${v.name} (${v.id})` : v.id, v.id)));
  if (state.voices.some((v) => v.id === keep)) voice.value = keep;
  voiceChanged();
}

// The controls' ranges and starting values come from the server's settings table (the bundle's
// recommendation where it has one), so the page asks for what the CLI and the API would use; the
// HTML carries none of them.
async function loadSettings() {
  const response = await fetch("/v1/audio/settings", { cache: "no-store" });
  if (!response.ok) throw new Error(`GET /v1/audio/settings: HTTP ${response.status}`);
  const { settings } = await response.json();
  for (const input of document.querySelectorAll("[data-setting]")) {
    const setting = settings.find((s) => s.name === input.dataset.setting);
    if (!setting) continue;
    input.title = `${setting.help} Expected: ${setting.expected}.`;
    if (input.type === "checkbox") {
      if (typeof setting.default === "boolean") input.checked = setting.default;
      continue;
    }
    // A range cannot exclude its minimum: it starts one step above.
    if (setting.minimum !== undefined) input.min = setting.minimum + (setting.minimum_exclusive ? Number(input.step) : 0);
    if (setting.maximum !== undefined && setting.maximum <= Number.MAX_SAFE_INTEGER) input.max = setting.maximum;
    if (typeof setting.default === "number") input.value = setting.default;
    input.dispatchEvent(new Event("input"));
  }
}

async function loadServerInfo() {
  try {
    const response = await fetch("/health", { cache: "no-store" });
    const health = await response.json();
    $("server-info").textContent = `Model ${health.model} · ${health.backend} backend · ${health.threads} threads` +
      (health.queue_depth ? ` · ${health.queue_depth} in queue` : "");
  } catch (_) {
    $("server-info").textContent = "Server status unknown.";
  }
}

// ---- Voices ---------------------------------------------------------------------------------------

function voiceChanged() {
  const id = $("voice").value;
  $("delete-voice").disabled = !id || id === "builtin";
  renderTags();
}

function renderTags() {
  const chosen = $("voice").value;
  const tags = [{ tag: "main", title: `The chosen voice (${chosen || "none"})` }]
    .concat(state.voices.filter((v) => v.id !== chosen).map((v) => ({ tag: v.id, title: v.name || v.id })));
  $("tags").replaceChildren(...tags.map(({ tag, title }) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "tag";
    b.textContent = `[${tag}]`;
    b.title = title;
    b.setAttribute("aria-label", `Insert tag ${tag}: ${title}`);
    b.addEventListener("click", () => insertAtCursor($("text"), `[${tag}] `));
    return b;
  }));
}

function insertAtCursor(area, text) {
  const start = area.selectionStart ?? area.value.length, end = area.selectionEnd ?? start;
  area.setRangeText(text, start, end, "end");
  area.focus();
  textChanged();
}

async function uploadVoice(event) {
  event.preventDefault();
  const status = $("upload-status");
  const name = $("upload-name").value.trim();
  const file = $("upload-audio").files[0];
  const transcript = $("upload-text").value.trim();
  const problem =
    !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(name) ? ["upload-name", "Give the voice a name: letters, digits, - _ . (up to 64; not starting with a dot)."] :
    !file ? ["upload-audio", "Choose a reference audio file."] :
    file.size > MAX_UPLOAD ? ["upload-audio", `The clip is ${(file.size / 1048576).toFixed(1)} MiB; at most 10 MiB are accepted.`] :
    !transcript ? ["upload-text", "Type the transcript of the clip."] :
    !$("upload-consent").checked ? ["upload-consent", "Confirm that the speaker agrees to the cloning of their voice."] : null;
  if (problem) { showStatus(status, problem[1], true); $(problem[0]).focus(); return; }

  const form = new FormData();
  form.append("name", name);
  form.append("audio_sample", file, file.name);
  form.append("ref_text", transcript);
  form.append("consent", "yes");
  form.append("overwrite", $("upload-overwrite").checked ? "true" : "false");
  $("upload-button").disabled = true;
  showStatus(status, "Uploading and preparing the clip…", false);
  try {
    const response = await fetch("/v1/audio/voices", { method: "POST", body: form, headers: authHeaders() });
    if (!response.ok) {
      const e = await errorMessage(response);
      showStatus(status, `Upload failed (${e.status}): ${e.message}`, true);
      return;
    }
    const voice = await response.json();
    await loadVoices(voice.id);
    showStatus(status, `Voice “${voice.name || voice.id}” added and selected.`, false);
    $("upload-form").reset();
  } catch (err) {
    showStatus(status, `Upload failed: ${err.message}`, true);
  } finally {
    $("upload-button").disabled = false;
  }
}

async function deleteVoice() {
  const id = $("voice").value;
  if (!id || id === "builtin" || !window.confirm(`Delete the voice “${id}”?`)) return;
  hideError();
  const response = await fetch(`/v1/audio/voices/${encodeURIComponent(id)}`, { method: "DELETE", headers: authHeaders() });
  if (!response.ok) { const e = await errorMessage(response); showError(`Could not delete “${id}” (${e.status}): ${e.message}`); return; }
  await loadVoices("builtin");
}

// ---- Text -----------------------------------------------------------------------------------------

function textChanged() { $("text-count").textContent = String($("text").value.length); }

async function loadTextFile() {
  const file = $("text-file").files[0];
  if (!file) return;
  $("text").value = await file.text();
  $("text-file").value = "";
  textChanged();
}

// ---- Synthesis ------------------------------------------------------------------------------------

function requestBody() {
  const body = {
    model: "f5tts",
    input: $("text").value,
    voice: $("voice").value || "builtin",
    response_format: "pcm",
    speed: Number($("speed").value),
    nfe_step: Number($("nfe").value),
    cross_fade_duration: Number($("fade").value),
    remove_silence: $("remove-silence").checked,
  };
  if (!$("random-seed").checked) body.seed = Math.max(0, Math.floor(Number($("seed").value) || 0));
  if ($("multi-voice").checked) body.multi_voice = true;
  return body;
}

async function synthesize() {
  if (state.controller) return;  // one at a time (Ctrl+Enter while running)
  hideError();
  const body = requestBody();
  // The AudioContext is made (or resumed) inside the click, so the browser lets it play.
  if (!state.audio) state.audio = new AudioContext();
  if (state.audio.state === "suspended") state.audio.resume();
  stopPlayback();

  const controller = new AbortController();
  state.controller = controller;
  setRunning(true);
  const started = performance.now();
  const stats = { firstAudioMs: null, totalMs: null, samples: 0, scheduledSamples: 0, pieces: 0, underruns: 0 };
  window.f5Last = { stats, seed: null, plannedSeconds: null, chunks: null };
  $("seed-used").textContent = "–";
  $("stats").textContent = "";
  progress(null, "Waiting for the server…");
  const tick = setInterval(() => {
    if (stats.samples === 0) progress(null, `Synthesizing the first chunk… ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 250);

  try {
    const response = await fetch("/v1/audio/speech", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...authHeaders() },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!response.ok) {
      const e = await errorMessage(response);
      showError(`The server refused the request (${e.status}): ${e.message}`);
      if (e.param === "input") $("text").focus();
      return;
    }
    const seed = response.headers.get("X-F5-Seed");
    const planned = Number(response.headers.get("X-F5-Planned-Seconds")) || null;
    const chunks = Number(response.headers.get("X-F5-Chunks")) || null;
    Object.assign(window.f5Last, { seed, plannedSeconds: planned, chunks });
    if (seed !== null) {
      $("seed-used").textContent = seed;
      $("seed").value = seed;  // as F5-TTS's app does: the used seed is written back, to pin it
    }

    const pieces = [];   // Uint8Array pieces of the body, whole samples only
    let odd = null;      // a byte left over when a piece split a sample in two
    let nextTime = 0;    // where the next Web Audio buffer starts
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let bytes = value;
      if (odd !== null) { const joined = new Uint8Array(bytes.length + 1); joined[0] = odd; joined.set(bytes, 1); bytes = joined; odd = null; }
      if (bytes.length % 2) { odd = bytes[bytes.length - 1]; bytes = bytes.subarray(0, bytes.length - 1); }
      if (bytes.length === 0) continue;
      pieces.push(bytes);
      nextTime = schedule(bytes, nextTime, stats);
      if (stats.firstAudioMs === null) stats.firstAudioMs = performance.now() - started;
      stats.samples += bytes.length / 2;
      const seconds = stats.samples / SAMPLE_RATE;
      progress(planned ? Math.min(1, seconds / planned) : null,
        `Playing while it synthesizes: ${seconds.toFixed(1)} s${planned ? ` of about ${planned.toFixed(1)} s` : ""}` +
        (chunks ? ` (${chunks} text chunk${chunks === 1 ? "" : "s"})` : ""));
    }
    stats.totalMs = performance.now() - started;
    const clip = wavBlob(pieces, stats.samples);
    if (state.clipURL) URL.revokeObjectURL(state.clipURL);
    state.clipURL = URL.createObjectURL(clip);
    $("player").src = state.clipURL;
    const link = $("download");
    link.href = state.clipURL;
    link.classList.remove("disabled");
    link.removeAttribute("aria-disabled");
    const seconds = stats.samples / SAMPLE_RATE;
    $("stats").textContent = `· ${seconds.toFixed(2)} s of audio in ${(stats.totalMs / 1000).toFixed(1)} s` +
      (stats.firstAudioMs !== null ? `, first audio after ${(stats.firstAudioMs / 1000).toFixed(1)} s` : "");
    progress(1, `Done: ${seconds.toFixed(2)} s of audio.`);
    document.body.dataset.state = "done";
  } catch (err) {
    if (err.name === "AbortError") { progress(null, "Stopped."); document.body.dataset.state = "idle"; }
    else if (stats.samples > 0) showError(`The audio stream broke off after ${(stats.samples / SAMPLE_RATE).toFixed(1)} s: ${err.message}`);
    else showError(`Could not reach the server: ${err.message}`);
  } finally {
    clearInterval(tick);
    if (state.controller === controller) state.controller = null;
    setRunning(false);
  }
}

/// Plays s16le samples right after what is already scheduled; returns where the next piece starts.
function schedule(bytes, nextTime, stats) {
  const ctx = state.audio;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / 2;
  const buffer = ctx.createBuffer(1, n, SAMPLE_RATE);  // the context resamples to its own rate
  const channel = buffer.getChannelData(0);
  for (let i = 0; i < n; i++) channel[i] = view.getInt16(2 * i, true) / 32768;
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(ctx.destination);
  const lead = ctx.currentTime + 0.05;
  if (nextTime < lead) { if (nextTime > 0) stats.underruns++; nextTime = lead; }
  source.start(nextTime);
  source.onended = () => { state.sources = state.sources.filter((s) => s !== source); };
  state.sources.push(source);
  stats.pieces++;
  stats.scheduledSamples += n;
  return nextTime + buffer.duration;
}

function stopPlayback() {
  for (const s of state.sources) { try { s.stop(); } catch (_) { /* already ended */ } }
  state.sources = [];
}

function stop() {
  if (state.controller) state.controller.abort();  // the server stops synthesizing when we hang up
  stopPlayback();
}

/// The whole clip as a WAV file (44-byte header, 16-bit mono 24 kHz).
function wavBlob(pieces, samples) {
  const header = new DataView(new ArrayBuffer(44));
  const text = (offset, s) => { for (let i = 0; i < s.length; i++) header.setUint8(offset + i, s.charCodeAt(i)); };
  const dataBytes = samples * 2;
  text(0, "RIFF"); header.setUint32(4, 36 + dataBytes, true); text(8, "WAVE");
  text(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 1, true);
  header.setUint32(24, SAMPLE_RATE, true); header.setUint32(28, SAMPLE_RATE * 2, true);
  header.setUint16(32, 2, true); header.setUint16(34, 16, true);
  text(36, "data"); header.setUint32(40, dataBytes, true);
  return new Blob([header.buffer, ...pieces], { type: "audio/wav" });
}

// ---- Page state -----------------------------------------------------------------------------------

function setRunning(running) {
  $("synthesize").disabled = running;
  $("stop").disabled = !running;
  $("synthesize").textContent = running ? "Synthesizing…" : "Synthesize";
  if (running) { document.body.dataset.state = "running"; $("progress-box").hidden = false; }
}

function progress(fraction, text) {
  const bar = $("progress");
  if (fraction === null) bar.removeAttribute("value"); else bar.value = fraction;
  $("progress-text").textContent = text;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  $("progress-box").hidden = true;
  document.body.dataset.state = "error";
}

function hideError() { $("error").hidden = true; $("error").textContent = ""; }

function showStatus(element, message, isError) {
  element.textContent = message;
  element.classList.toggle("bad", isError);
}

function bindRange(id, digits) {
  const input = $(id), out = $(`${id}-value`);
  const show = () => { out.textContent = Number(input.value).toFixed(digits); };
  input.addEventListener("input", show);
  show();
}

function init() {
  bindRange("speed", 2);
  bindRange("nfe", 0);
  bindRange("fade", 2);
  $("random-seed").addEventListener("change", () => { $("seed").disabled = $("random-seed").checked; });
  $("multi-voice").addEventListener("change", () => { $("multi-panel").hidden = !$("multi-voice").checked; });
  $("voice").addEventListener("change", voiceChanged);
  $("delete-voice").addEventListener("click", deleteVoice);
  $("upload-form").addEventListener("submit", uploadVoice);
  $("upload-audio").addEventListener("change", () => {
    const file = $("upload-audio").files[0], name = $("upload-name");
    if (file && !name.value) name.value = file.name.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64);
  });
  $("text").addEventListener("input", textChanged);
  $("text-file").addEventListener("change", loadTextFile);
  $("synthesize").addEventListener("click", synthesize);
  $("stop").addEventListener("click", stop);
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) synthesize(); });
  try { const key = sessionStorage.getItem("f5tts-api-key"); if (key) $("api-key").value = key; } catch (_) { /* storage off */ }
  $("api-key").addEventListener("change", () => { try { sessionStorage.setItem("f5tts-api-key", $("api-key").value); } catch (_) { /* storage off */ } });
  textChanged();
  loadServerInfo();
  Promise.all([loadSettings(), loadVoices("builtin")])
    .then(() => { document.body.dataset.ready = "true"; })
    .catch((err) => { showError(err.message); document.body.dataset.ready = "true"; });
}

document.addEventListener("DOMContentLoaded", init);
