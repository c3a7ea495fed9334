import { explorePageScript, explorePageSection } from './explore'

/**
 * The web page: one self-contained HTML document (no build step, no external assets) that talks
 * to the HTTP API. Pick or search a user, see their history and several models' recommendations
 * side by side with explanations, cold-start a new user, and see the comparison table, metric
 * charts and training curves, and the map of a model's item vectors with its user segments.
 */
export function renderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RecForge</title>
<style>
  :root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --accent:#2f6fed; --bg:#f7f8fa; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
  header { background:#fff; border-bottom:1px solid var(--line); padding:12px 20px; display:flex; gap:16px; align-items:center; flex-wrap:wrap; }
  header h1 { font-size:18px; margin:0 12px 0 0; }
  main { padding:16px 20px; display:grid; gap:16px; }
  section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
  section h2 { font-size:15px; margin:0 0 10px; }
  input, select, button, textarea { font:inherit; padding:6px 9px; border:1px solid var(--line); border-radius:6px; background:#fff; }
  button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
  .cols { display:grid; grid-template-columns:repeat(auto-fit, minmax(260px, 1fr)); gap:12px; }
  .col h3 { font-size:14px; margin:0 0 6px; }
  ol { margin:0; padding-left:22px; }
  li { margin:3px 0; }
  .why { color:var(--muted); font-size:12px; }
  .muted { color:var(--muted); }
  table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
  th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:right; }
  th:first-child, td:first-child { text-align:left; }
  .charts { display:flex; flex-wrap:wrap; gap:16px; }
  .err { color:#b42318; }
  .history { max-height:220px; overflow:auto; }
</style>
</head>
<body>
<header>
  <h1>RecForge</h1>
  <label>User <input id="user" list="user-list" placeholder="user id" autocomplete="off" size="10"></label>
  <datalist id="user-list"></datalist>
  <label>k <input id="k" type="number" value="10" min="1" max="50" style="width:64px"></label>
  <button id="show">Recommend</button>
  <span id="status" class="muted"></span>
  <span id="training" class="muted"></span>
</header>
<main>
  <section>
    <h2>History</h2>
    <div id="history" class="history muted">Pick a user.</div>
  </section>
  <section>
    <h2>Recommendations by model</h2>
    <div id="recs" class="cols"></div>
  </section>
  <section>
    <h2>New user (cold start)</h2>
    <p class="muted">Type what you like; titles that match become your first likes.</p>
    <textarea id="likes-text" rows="2" cols="60" placeholder="e.g. Toy Story, Matrix, Amelie"></textarea>
    <button id="coldstart">Create and recommend</button>
    <div id="cold-result"></div>
  </section>
  <section>
    <h2>Model comparison</h2>
    <div id="report" class="muted">No evaluation report.</div>
    <div id="charts" class="charts"></div>
    <div id="curves" class="charts"></div>
  </section>
  ${explorePageSection()}
</main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&':'&amp;', '<':'&lt;', '>':'&gt;', '"':'&quot;', "'":'&#39;' }[c]));
async function api(path, init) {
  const r = await fetch(path, init);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || r.statusText);
  return body;
}
function list(items) {
  if (!items.length) return '<p class="muted">nothing to recommend</p>';
  return '<ol>' + items.map((it) => '<li data-item="' + esc(it.id) + '">' + esc(it.title || it.id) +
    ' <span class="muted">' + Number(it.score).toFixed(3) + '</span>' +
    (it.because ? '<div class="why">because you liked ' + esc(it.because.title || it.because.id) + '</div>' : it.popularity !== undefined ? '<div class="why">popular: chosen by ' + it.popularity + ' users</div>' : '') + '</li>').join('') + '</ol>';
}
let models = [];
async function loadModels() {
  const listed = await api('/models');
  models = listed.models.map((m) => m.name);
  watchTraining(listed.training || []);
  const users = await api('/users?limit=200');
  $('user-list').innerHTML = users.users.map((u) => '<option value="' + esc(u) + '">').join('');
  if (!$('user').value && users.users.length) $('user').value = users.users[0];
}
async function show(user) {
  const k = Number($('k').value) || 10;
  $('status').textContent = 'loading…';
  try {
    const h = await api('/users/' + encodeURIComponent(user) + '/history');
    $('history').innerHTML = h.items.length ? h.items.map((i) => esc(i.title || i.id) + ' <span class="muted">(' + i.value + ')</span>').join('<br>') : 'no history yet';
    const answers = await Promise.all(models.map((m) => api('/recommendations/' + encodeURIComponent(user) + '?k=' + k + '&model=' + encodeURIComponent(m)).catch((e) => ({ model: m, error: e.message }))));
    $('recs').innerHTML = answers.map((a) => '<div class="col" data-model="' + esc(a.model) + '"><h3>' + esc(a.model) +
      (a.strategy && a.strategy !== 'model' ? ' <span class="muted">(' + a.strategy + ')</span>' : '') + '</h3>' +
      (a.error ? '<p class="err">' + esc(a.error) + '</p>' : list(a.items)) + '</div>').join('');
    $('status').textContent = '';
  } catch (e) { $('status').innerHTML = '<span class="err">' + esc(e.message) + '</span>'; }
}
$('show').onclick = () => show($('user').value.trim());
$('user').addEventListener('keydown', (e) => { if (e.key === 'Enter') show($('user').value.trim()); });
$('coldstart').onclick = async () => {
  const text = $('likes-text').value;
  const likes = [];
  for (const part of text.split(/[,;\\n]/).map((s) => s.trim()).filter(Boolean)) {
    const found = await api('/items?limit=1&q=' + encodeURIComponent(part));
    if (found.items[0]) likes.push(found.items[0].id);
  }
  const id = 'new-' + Date.now().toString(36);
  try {
    const res = await api('/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, likes, text }) });
    $('cold-result').innerHTML = '<p>Created <b>' + esc(id) + '</b> with ' + likes.length + ' likes (' + esc(res.recommendations.strategy) + ').</p>' + list(res.recommendations.items);
    $('user').value = id;
    await show(id);
  } catch (e) { $('cold-result').innerHTML = '<p class="err">' + esc(e.message) + '</p>'; }
};
function bars(metric, rows) {
  const w = 320, bh = 18, pad = 90, h = rows.length * (bh + 6) + 28;
  const max = Math.max(...rows.map((r) => r.metrics[metric] || 0), 1e-9);
  let s = '<svg width="' + w + '" height="' + h + '" role="img" aria-label="' + esc(metric) + '"><text x="0" y="14" font-weight="600">' + esc(metric) + '</text>';
  rows.forEach((r, i) => {
    const v = r.metrics[metric] || 0, y = 24 + i * (bh + 6), bw = (w - pad - 50) * v / max;
    s += '<text x="0" y="' + (y + 13) + '" font-size="12">' + esc(r.model) + '</text><rect x="' + pad + '" y="' + y + '" width="' + bw.toFixed(1) + '" height="' + bh + '" fill="#2f6fed"></rect>' +
      '<text x="' + (pad + bw + 4).toFixed(1) + '" y="' + (y + 13) + '" font-size="12">' + v.toFixed(4) + '</text>';
  });
  return s + '</svg>';
}
function curve(name, points) {
  const keys = Object.keys(points[0] || {}).filter((k) => k !== 'epoch');
  if (!keys.length) return '';
  const w = 320, h = 160, p = 28, k = keys[0];
  const xs = points.map((q) => q.epoch), ys = points.map((q) => q[k]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const X = (x) => p + (w - 2 * p) * (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5), Y = (y) => h - p - (h - 2 * p) * (y1 > y0 ? (y - y0) / (y1 - y0) : 0.5);
  const d = points.map((q, i) => (i ? 'L' : 'M') + X(q.epoch).toFixed(1) + ' ' + Y(q[k]).toFixed(1)).join(' ');
  return '<svg width="' + w + '" height="' + h + '" role="img" aria-label="' + esc(name) + ' training curve"><text x="0" y="14" font-weight="600">' + esc(name) + ': ' + esc(k) + ' per epoch</text>' +
    '<path d="' + d + '" fill="none" stroke="#2f6fed" stroke-width="2"></path><text x="' + p + '" y="' + (h - 8) + '" font-size="11">epoch ' + x0 + '–' + x1 + '</text>' +
    '<text x="' + (w - p) + '" y="' + (p - 4) + '" font-size="11" text-anchor="end">' + y1.toFixed(4) + '</text><text x="' + (w - p) + '" y="' + (h - p + 12) + '" font-size="11" text-anchor="end">' + y0.toFixed(4) + '</text></svg>';
}
async function loadReport() {
  const rep = await api('/report');
  if (!rep.rows || !rep.rows.length) return;
  const keys = [...new Set(rep.rows.flatMap((r) => Object.keys(r.metrics)))];
  $('report').innerHTML = '<p class="muted">' + esc(rep.dataset) + ', protocol ' + esc(rep.protocol) + '</p><table id="comparison"><thead><tr><th>model</th>' + keys.map((k) => '<th>' + esc(k) + '</th>').join('') +
    '<th>fit s</th><th>eval s</th></tr></thead><tbody>' + rep.rows.map((r) => '<tr><td>' + esc(r.model) + '</td>' + keys.map((k) => '<td>' + (r.metrics[k] === undefined ? '' : r.metrics[k].toFixed(4)) + '</td>').join('') +
    '<td>' + r.timing.fitSeconds.toFixed(2) + '</td><td>' + r.timing.evalSeconds.toFixed(2) + '</td></tr>').join('') + '</tbody></table>';
  $('charts').innerHTML = keys.filter((k) => /@/.test(k) || k === 'rmse' || k === 'mae').slice(0, 6).map((k) => bars(k, rep.rows)).join('');
  $('curves').innerHTML = Object.entries(rep.curves || {}).map(([m, pts]) => curve(m, pts)).join('');
}
// models still training (the demo's slow ones) join when done: look again every few seconds
let trainingTimer;
function watchTraining(training) {
  $('training').textContent = training.length ? 'still training: ' + training.join(', ') : '';
  clearTimeout(trainingTimer);
  if (training.length) trainingTimer = setTimeout(async () => {
    const listed = await api('/models').catch(() => undefined);
    if (!listed) return watchTraining(training);
    if (listed.models.length !== models.length) {
      models = listed.models.map((m) => m.name);
      loadReport().catch(() => {});
      if ($('user').value) show($('user').value);
    }
    watchTraining(listed.training || []);
  }, 5000);
}
loadModels().then(() => { if ($('user').value) show($('user').value); }).catch((e) => { $('status').innerHTML = '<span class="err">' + esc(e.message) + '</span>'; });
loadReport().catch(() => {});
${explorePageScript()}</script>
</body>
</html>`
}
