// ddpm4j studio: plain JavaScript, no libraries, nothing fetched from the network but this server.
'use strict';
const $ = (id) => document.getElementById(id);
// What the page saw, in order (the browser tests read it): event types of the current job.
window.studio = { log: [], job: null, frames: 0, run: null, cspViolations: [], submitted: 0, superseded: 0 };
// the server's Content-Security-Policy allows only this page's own scripts and styles: count what it blocks
document.addEventListener('securitypolicyviolation', (e) => window.studio.cspViolations.push(e.violatedDirective));

async function api(method, url, body) {
  const r = await fetch(url, {
    // every change is sent as JSON: the server refuses other content types (a cross-site form cannot send it)
    method, headers: method === 'GET' ? {} : { 'Content-Type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body || {}),
  });
  let j;
  try { j = await r.json(); } catch (e) { j = { error: 'HTTP ' + r.status + ' ' + r.statusText }; }
  if (!r.ok) {
    const err = new Error(j.error || ('HTTP ' + r.status));
    err.status = r.status;
    throw err;
  }
  return j;
}

function showError(msg) { $('error').textContent = msg || ''; }
function status(msg) { $('status').textContent = msg; }
function num(id) { const v = $(id).value.trim(); return v === '' ? null : Number(v); }

// ---- runs

async function loadRuns() {
  try {
    const j = await api('GET', '/api/runs');
    const sel = $('run');
    sel.innerHTML = '';
    for (const r of j.runs) {
      const o = document.createElement('option');
      o.value = r.name;
      o.textContent = r.error ? r.name + ' (damaged)' : r.name + ' - ' + r.model + (r.conditional ? ', conditional' : '');
      sel.appendChild(o);
    }
    if (!j.runs.length) { status('No runs in ' + j.runs_dir + ': train one with ./ddpm train --out ' + j.runs_dir + '/NAME'); return; }
    const wanted = new URLSearchParams(location.search).get('run');
    if (wanted && j.runs.some((r) => r.name === wanted)) sel.value = wanted;
    await selectRun(sel.value);
  } catch (e) { showError(e.message); }
}

async function selectRun(name) {
  showError('');
  const r = await api('GET', '/api/runs/' + name.split('/').map(encodeURIComponent).join('/'));
  window.studio.run = r;
  const rows = r.error ? [['error', r.error]] : [
    ['model', r.model], ['images', r.size + ' x ' + r.size + (r.channels === 3 ? ' RGB' : ' gray')],
    ['classes', r.conditional ? r.classes + ' (class-conditional)' : 'unconditional'],
    ['diffusion', r.timesteps + ' steps, ' + r.schedule + ' schedule, predicts ' + r.prediction],
    ['trained', (r.trained_steps ?? '?') + ' steps' + (r.train && r.train.data ? ' on ' + r.train.data : '')],
    ['default sampler', r.defaults.sampler + ', ' + r.defaults.steps + ' steps'],
  ];
  if (r.distilled) rows.push(['distilled', r.distilled.method + ': DDIM at ' + r.distilled.steps + ' steps'
    + (r.distilled.guidance > 0 ? ', guidance ' + r.distilled.guidance + ' built in' : '')]);
  $('run-info').innerHTML = '';
  for (const [k, v] of rows) {
    const tr = document.createElement('tr');
    const a = document.createElement('td'); a.textContent = k;
    const b = document.createElement('td'); b.textContent = v;
    tr.append(a, b); $('run-info').appendChild(tr);
  }
  const cls = $('class');
  cls.innerHTML = '<option value="">any (unconditional)</option>';
  (r.class_names || []).forEach((n, i) => {
    const o = document.createElement('option'); o.value = String(i); o.textContent = n === String(i) ? n : i + ': ' + n; cls.appendChild(o);
  });
  cls.disabled = !r.conditional; $('guidance').disabled = !r.conditional;
  if (r.defaults) {
    $('sampler').value = r.defaults.sampler; $('steps').value = r.defaults.steps; $('guidance').value = r.defaults.guidance;
    if (r.defaults.inpaint_steps) { // the same inpainting defaults as ./ddpm inpaint
      $('inpaint-steps').value = r.defaults.inpaint_steps; $('resample').value = r.defaults.inpaint_resample;
      $('inpaint-count').value = r.defaults.inpaint_count;
    }
  }
  // a distilled student samples only with its own sampler (DDIM, or the consistency sampler) at the steps it was
  // distilled for (a progressive student's one count; 1 to its grid for a consistency student)
  const student = !!r.distilled;
  $('preset').value = 'default'; $('preset').disabled = student;
  $('sampler').disabled = student;
  $('steps').disabled = student && r.distilled.min_steps === r.distilled.max_steps;
  $('steps').min = student ? r.distilled.min_steps : 1;
  $('steps').max = student ? r.distilled.max_steps : (r.limits ? r.limits.max_steps : 1000);
  $('complete').dataset.student = student ? '1' : '';
  drawCurve(r.curve || []);
  resetCanvas();
  status('Ready: ' + name + '.');
}

function drawCurve(points) {
  const c = $('curve'), g = c.getContext('2d'), W = c.width, H = c.height, L = 44, B = 22;
  g.clearRect(0, 0, W, H); g.font = '11px system-ui'; g.fillStyle = '#667085';
  if (points.length < 2) { g.fillText('no training log', L, H / 2); return; }
  const xs = points.map((p) => p[0]), ys = points.map((p) => Math.log10(Math.max(p[1], 1e-8)));
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys) || y0 + 1;
  const px = (x) => L + (x - x0) / Math.max(1e-9, x1 - x0) * (W - L - 8);
  const py = (y) => 6 + (1 - (y - y0) / Math.max(1e-9, y1 - y0)) * (H - B - 10);
  g.strokeStyle = '#d8dce6'; g.beginPath(); g.moveTo(L, 4); g.lineTo(L, H - B); g.lineTo(W - 4, H - B); g.stroke();
  g.strokeStyle = '#3b5bdb'; g.lineWidth = 1.5; g.beginPath();
  points.forEach((p, i) => { const X = px(p[0]), Y = py(ys[i]); if (i) g.lineTo(X, Y); else g.moveTo(X, Y); });
  g.stroke();
  g.fillText(Math.pow(10, y1).toPrecision(3), 2, 12); g.fillText(Math.pow(10, y0).toPrecision(3), 2, H - B);
  g.fillText('step ' + x0, L, H - 6); const s = 'step ' + x1; g.fillText(s, W - 6 - g.measureText(s).width, H - 6);
  g.save(); g.translate(12, H / 2 + 16); g.rotate(-Math.PI / 2); g.fillText('loss (log)', 0, 0); g.restore();
}

// ---- jobs

let source = null;

function busy(on) {
  $('generate').disabled = on; $('complete').disabled = on;
  $('cancel').disabled = !on; $('cancel-draw').disabled = !on;
}

function follow(job) {
  window.studio.job = job.job; window.studio.log = []; window.studio.frames = 0;
  busy(true);
  $('download').hidden = true; $('result').removeAttribute('src');
  if (source) source.close();
  source = new EventSource(job.events_url);
  const log = (t) => window.studio.log.push(t);
  source.addEventListener('queued', (e) => {
    log('queued'); const d = JSON.parse(e.data);
    status(d.position > 0 ? 'Queued behind ' + d.position + ' request(s)...' : 'Starting...');
  });
  source.addEventListener('frame', (e) => {
    log('frame'); const d = JSON.parse(e.data); window.studio.frames++;
    if (d.xt) { $('xt').src = d.xt; $('x0').src = d.x0; } // a replayed old frame may have lost its pictures
    $('xt-label').innerHTML = 'x<sub>t</sub>, t = ' + d.t;
    $('progress').max = d.total; $('progress').value = d.step;
    status('Denoising: step ' + d.step + ' of ' + d.total + ' (t = ' + d.t + ')');
  });
  source.addEventListener('done', (e) => {
    log('done'); const d = JSON.parse(e.data); finish();
    $('result').src = d.grid; $('download').href = d.download; $('download').hidden = false;
    status('Done: ' + d.images + ' image(s), ' + window.studio.frames + ' frames streamed'
      + (d.time_points === 'tuned' ? ', at the run\'s tuned time points.' : '.'));
  });
  source.addEventListener('cancelled', () => { log('cancelled'); finish(); status('Cancelled.'); });
  source.addEventListener('error', (e) => {
    if (e.data) { log('error'); finish(); showError(JSON.parse(e.data).message); status('Failed.'); }
  });
}

function finish() {
  if (source) { source.close(); source = null; }
  busy(false);
}

async function submit(url, body) {
  showError('');
  window.studio.submitted++;
  try {
    const job = await api('POST', url, body);
    if (job.command) { $('command').textContent = job.command; $('copy').disabled = false; }
    follow(job);
  } catch (e) {
    showError(e.status === 429 ? 'Busy: ' + e.message : e.message);
    status('Not started.');
  }
}

async function generate() {
  await submit('/api/generate', {
    run: $('run').value, class: $('class').disabled ? null : $('class').value, sampler: $('sampler').value,
    steps: num('steps'), guidance: $('guidance').disabled ? null : num('guidance'), seed: num('seed'), count: num('count'),
  });
}

// ---- speed presets and live mode

function applyPreset() {
  const v = $('preset').value, r = window.studio.run;
  if (v === 'custom') return;
  if (v === 'default') {
    if (r && r.defaults) { $('sampler').value = r.defaults.sampler; $('steps').value = r.defaults.steps; }
  } else {
    const [sampler, steps] = v.split(':');
    $('sampler').value = sampler; $('steps').value = steps;
  }
  changed();
}

let liveTimer = null;
const LIVE_DELAY_MS = 300;

// a change of a setting: in live mode, one generation once the user pauses for LIVE_DELAY_MS, replacing
// this page's job if one is still running (the server's queue and rate limits apply as to any request)
function changed() {
  if (!$('live').checked || !window.studio.run || window.studio.run.error) return;
  clearTimeout(liveTimer);
  liveTimer = setTimeout(async () => {
    liveTimer = null;
    if (source && window.studio.job) {
      const old = window.studio.job;
      finish();
      window.studio.superseded++;
      try { await api('POST', '/api/jobs/' + old + '/cancel'); } catch (e) { /* it may have just finished */ }
    }
    await generate();
  }, LIVE_DELAY_MS);
}

async function cancel() {
  if (!window.studio.job) return;
  const job = window.studio.job;
  try {
    await api('POST', '/api/jobs/' + job + '/cancel');
    // the 'cancelled' event can arrive before this response: then the job is over and its status stays
    if (source && window.studio.job === job) status('Cancelling...');
  } catch (e) { showError(e.message); }
}

function copyCommand() {
  const text = $('command').textContent;
  const done = () => status('Command copied.');
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else fallbackCopy(text, done);
}

function fallbackCopy(text, done) {
  const t = document.createElement('textarea'); t.value = text; document.body.appendChild(t); t.select();
  try { document.execCommand('copy'); done(); } finally { t.remove(); }
}

// ---- drawing: an image and a mask at the run's size, shown 10x on the canvas

let image = null, mask = null, drawing = false, last = null;

function resetCanvas() {
  const s = (window.studio.run && window.studio.run.size) || 28;
  image = document.createElement('canvas'); image.width = image.height = s;
  mask = document.createElement('canvas'); mask.width = mask.height = s;
  const gi = image.getContext('2d'); gi.fillStyle = '#000'; gi.fillRect(0, 0, s, s);
  const gm = mask.getContext('2d'); gm.fillStyle = '#000'; gm.fillRect(0, 0, s, s);
  render();
}

function mode() { return $('mode-mask').checked ? 'mask' : 'stroke'; }

function render() {
  const c = $('canvas'), g = c.getContext('2d');
  g.imageSmoothingEnabled = false;
  g.drawImage(image, 0, 0, c.width, c.height);
  if (mode() === 'mask') {
    // painted mask pixels in translucent red
    const s = mask.width, m = mask.getContext('2d').getImageData(0, 0, s, s).data, k = c.width / s;
    g.fillStyle = 'rgba(255, 60, 60, 0.55)';
    for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) if (m[(y * s + x) * 4] >= 128) g.fillRect(x * k, y * k, k, k);
  }
}

function pointAt(e) {
  const r = $('canvas').getBoundingClientRect(), s = image.width;
  return [(e.clientX - r.left) / r.width * s, (e.clientY - r.top) / r.height * s];
}

function paint(from, to) {
  const target = mode() === 'mask' ? mask : image, g = target.getContext('2d');
  g.strokeStyle = '#fff'; g.lineCap = 'round'; g.lineJoin = 'round'; g.lineWidth = Number($('brush').value);
  g.beginPath(); g.moveTo(from[0], from[1]); g.lineTo(to[0] + 0.01, to[1]); g.stroke();
  render();
}

function setupCanvas() {
  const c = $('canvas');
  c.addEventListener('pointerdown', (e) => { drawing = true; last = pointAt(e); paint(last, last); c.setPointerCapture(e.pointerId); });
  c.addEventListener('pointermove', (e) => { if (!drawing) return; const p = pointAt(e); paint(last, p); last = p; });
  const stop = () => { drawing = false; };
  c.addEventListener('pointerup', stop); c.addEventListener('pointercancel', stop);
  $('clear').addEventListener('click', resetCanvas);
  for (const id of ['mode-stroke', 'mode-mask']) $(id).addEventListener('change', render);
  $('upload').addEventListener('change', () => {
    const f = $('upload').files[0]; if (!f) return;
    const url = URL.createObjectURL(f), pic = new Image();
    pic.onload = () => {
      const s = image.width, g = image.getContext('2d');
      g.fillStyle = '#000'; g.fillRect(0, 0, s, s); g.imageSmoothingEnabled = true; g.drawImage(pic, 0, 0, s, s);
      URL.revokeObjectURL(url); $('mode-mask').checked = true; render(); status('Image loaded: paint the part to regenerate.');
    };
    pic.onerror = () => showError('That file is not a picture the browser can read.');
    pic.src = url;
  });
}

// The mask sent: in stroke mode, everything but the stroke is regenerated.
function maskUrl() {
  if (mode() === 'mask') return mask.toDataURL('image/png');
  const s = image.width, out = document.createElement('canvas'); out.width = out.height = s;
  const src = image.getContext('2d').getImageData(0, 0, s, s), g = out.getContext('2d'), dst = g.createImageData(s, s);
  for (let i = 0; i < s * s; i++) {
    const v = src.data[i * 4] >= 64 ? 0 : 255; // stroke kept (black), the rest regenerated (white)
    dst.data[i * 4] = dst.data[i * 4 + 1] = dst.data[i * 4 + 2] = v; dst.data[i * 4 + 3] = 255;
  }
  g.putImageData(dst, 0, 0);
  return out.toDataURL('image/png');
}

async function complete() {
  await submit('/api/inpaint', {
    run: $('run').value, image: image.toDataURL('image/png'), mask: maskUrl(),
    class: $('class').disabled ? null : $('class').value, guidance: $('guidance').disabled ? null : num('guidance'),
    count: num('inpaint-count'), steps: num('inpaint-steps'), resample: num('resample'), seed: num('seed'),
  });
}

// ---- wiring

function showTab(btn) {
  document.querySelectorAll('.tab').forEach((b) => b.classList.toggle('active', b === btn));
  document.querySelectorAll('.panel').forEach((p) => { p.hidden = p.id !== btn.dataset.panel; });
}

window.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('.tab').forEach((b) => b.addEventListener('click', () => showTab(b)));
  $('run').addEventListener('change', () => selectRun($('run').value).catch((e) => showError(e.message)));
  $('generate').addEventListener('click', generate);
  $('complete').addEventListener('click', complete);
  $('cancel').addEventListener('click', cancel);
  $('cancel-draw').addEventListener('click', cancel);
  $('copy').addEventListener('click', copyCommand);
  $('preset').addEventListener('change', applyPreset);
  for (const id of ['class', 'guidance', 'seed', 'count']) $(id).addEventListener('input', changed);
  for (const id of ['sampler', 'steps']) $(id).addEventListener('input', () => { $('preset').value = 'custom'; changed(); });
  setupCanvas();
  resetCanvas();
  loadRuns();
});
