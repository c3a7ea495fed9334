/**
 * The on-device recommendations page (`GET /device`): the browser downloads the item factors and
 * titles once, keeps the user's likes in the page only, and computes the user's vector and top
 * 10 itself (deviceClient.ts). No inline script, so the server's content security policy holds.
 */
export function renderDevicePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RecForge: recommendations on this device</title>
<style>
  :root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --accent:#2f6fed; --bg:#f7f8fa; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
  header { background:#fff; border-bottom:1px solid var(--line); padding:12px 20px; }
  header h1 { font-size:18px; margin:0 0 4px; }
  main { padding:16px 20px; display:grid; gap:16px; grid-template-columns:repeat(auto-fit, minmax(300px, 1fr)); }
  section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
  section h2 { font-size:15px; margin:0 0 10px; }
  input, button { font:inherit; padding:6px 9px; border:1px solid var(--line); border-radius:6px; background:#fff; }
  button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; padding:2px 8px; }
  button.remove { background:#fff; color:var(--fg); border-color:var(--line); }
  ol, ul { margin:0; padding-left:22px; }
  li { margin:3px 0; }
  .muted { color:var(--muted); }
  .err { color:#b42318; }
</style>
</head>
<body>
<header>
  <h1>Recommendations on this device</h1>
  <p id="privacy">This page downloaded the item factors and titles once. Your likes stay in this page: they are
  kept in memory here, never stored and never sent. Your vector (fold-in) and your top 10 are computed in this
  browser. Reloading the page forgets them.</p>
  <p id="status" class="muted">Loading the model...</p>
</header>
<main>
  <section>
    <h2>Find items you like</h2>
    <input id="search" placeholder="title" autocomplete="off" size="30" disabled>
    <ul id="results"></ul>
  </section>
  <section>
    <h2>Your likes <span class="muted">(only in this page)</span></h2>
    <ul id="likes"><li class="muted">None yet.</li></ul>
  </section>
  <section>
    <h2>Your top 10, computed here</h2>
    <ol id="recs"><li class="muted">Like a few items.</li></ol>
  </section>
</main>
<script src="/device/app.js"></script>
</body>
</html>
`
}
