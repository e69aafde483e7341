/**
 * The console's static assets, served by the Worker itself: operators run the relay on private
 * networks and the tests run offline, so nothing comes from a CDN or a font service.
 */

const CSS = `
:root{--bg:#f5f6f8;--card:#fff;--text:#111827;--muted:#4b5563;--line:#d9dde3;--brand:#1e293b;--link:#1d4ed8;--focus:#f59e0b;
--ok-bg:#dcfce7;--ok:#14532d;--warn-bg:#fef3c7;--warn:#713f12;--bad-bg:#fee2e2;--bad:#7f1d1d;--info-bg:#e0e7ff;--info:#1e3a8a;--neutral-bg:#e5e7eb;--neutral:#1f2937}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:15px;color:var(--text);background:var(--bg)}
body{margin:0;line-height:1.45}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.topbar{display:flex;align-items:center;justify-content:space-between;background:var(--brand);color:#fff;padding:.6rem 1.5rem}
.brand{display:flex;align-items:center;gap:.5rem;color:#fff;text-decoration:none;font-weight:600;font-size:1.05rem}
.brand-sub{font-weight:400;color:#cbd5e1}
.logout{margin:0}
main{max-width:1180px;margin:0 auto;padding:1rem 1.5rem 3rem}
main:focus{outline:none}
h1{font-size:1.6rem;margin:.3rem 0 1rem}
h2{font-size:1.1rem;margin:0}
.crumbs ol{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem;padding:0;margin:.5rem 0 0;color:var(--muted);font-size:.9rem}
.crumbs li+li::before{content:"/";margin-right:.4rem;color:var(--muted)}
.tabs ul{list-style:none;display:flex;gap:.25rem;padding:0;margin:0 0 1rem;border-bottom:1px solid var(--line)}
.tabs a{display:block;padding:.5rem .9rem;text-decoration:none;color:var(--muted);border-bottom:3px solid transparent}
.tabs a[aria-current=page]{color:var(--text);border-bottom-color:var(--link);font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;margin:0 0 1.25rem}
.card-head{display:flex;align-items:center;justify-content:space-between;gap:1rem;margin-bottom:.75rem}
.login{max-width:28rem}
.login p:first-child{margin-top:0}
.stack{display:flex;flex-direction:column;gap:.5rem;margin:1rem 0}
label{font-weight:600;font-size:.9rem}
input[type=text],input[type=password],input[type=number]{font:inherit;padding:.45rem .6rem;border:1px solid #6b7280;border-radius:6px;background:#fff;color:var(--text)}
.button{display:inline-block;font:inherit;font-size:.9rem;padding:.4rem .85rem;border-radius:6px;border:1px solid #6b7280;background:#fff;color:var(--text);cursor:pointer;text-decoration:none;white-space:nowrap}
.button:hover{background:#f3f4f6}
.button.primary{background:#1d4ed8;border-color:#1d4ed8;color:#fff}
.button.primary:hover{background:#1e40af}
.button.danger{background:#fff;border-color:#b91c1c;color:#991b1b}
.button.danger:hover{background:var(--bad-bg)}
.button.ghost{background:transparent;color:#fff;border-color:#94a3b8}
.button.ghost:hover{background:#334155}
form.inline{display:inline-flex;align-items:center;gap:.4rem;margin:0}
.action-bar{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin-top:1rem;padding-top:1rem;border-top:1px solid var(--line)}
.replay input{width:7rem}
.row-form{display:flex;flex-wrap:wrap;align-items:center;gap:.6rem;margin-top:1rem}
.table-wrap{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid var(--line);vertical-align:top;white-space:nowrap}
thead th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:#f9fafb}
tbody tr:hover{background:#f9fafb}
tbody th{font-weight:600}
td.wrap{white-space:normal;word-break:break-word;max-width:26rem}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.actions{text-align:right}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.warn{background:var(--warn-bg);color:var(--warn)}
.badge.bad{background:var(--bad-bg);color:var(--bad)}
.badge.info{background:var(--info-bg);color:var(--info)}
.badge.neutral{background:var(--neutral-bg);color:var(--neutral)}
.muted{color:var(--muted)}
ul.attention{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.2rem}
.card.table-wrap{padding:0}
.card.table-wrap table{margin:0}
.small{font-size:.85rem}
.empty{border:1px dashed #9ca3af;border-radius:8px;padding:.75rem 1rem;color:var(--muted);background:#fafafa}
.empty p{margin:.3rem 0}
.note{border-radius:8px;padding:.7rem 1rem;margin:0 0 1rem;border:1px solid}
.note.ok{background:var(--ok-bg);color:var(--ok);border-color:#86efac}
.note.bad{background:var(--bad-bg);color:var(--bad);border-color:#fca5a5}
.note.secret{background:var(--warn-bg);color:var(--warn);border-color:#fcd34d}
.note p{margin:0 0 .5rem}
.secret-value{width:100%;font-family:ui-monospace,Menlo,Consolas,monospace}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.75rem 1.5rem;margin:0 0 1.25rem}
.facts div.wide{grid-column:1/-1}
.facts dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.facts dd{margin:.15rem 0 0;font-weight:500;word-break:break-word}
.lag{display:inline-flex;align-items:center;gap:.5rem}
.lag-number{min-width:2.5rem;text-align:right;font-variant-numeric:tabular-nums}
.lag-track{display:inline-block;width:7rem;height:.55rem;background:#e5e7eb;border-radius:999px;overflow:hidden}
.lag-fill{display:block;height:100%;background:#b45309}
.lag-fill.zero{width:0}
.chart{margin:0}
.chart svg{width:100%;height:200px;display:block}
.chart .grid{stroke:#e5e7eb;stroke-width:1}
.chart .axis{font-size:11px;fill:#4b5563}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:1.25rem;padding:0;margin:.5rem 0 0;font-size:.9rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.35rem;vertical-align:-1px}
.segmented{display:flex;gap:.25rem}
.segmented a{padding:.25rem .6rem;border-radius:6px;text-decoration:none;border:1px solid var(--line);font-size:.85rem}
.segmented a[aria-current=true]{background:#1d4ed8;color:#fff;border-color:#1d4ed8}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1rem}
.field{display:flex;flex-direction:column;gap:.25rem}
.field.buttons{flex-direction:row}
pre.json,pre.body{background:#0f172a;color:#e2e8f0;padding:1rem;border-radius:8px;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:.4rem 0 0}
pre.body{max-height:16rem}
details summary{cursor:pointer;color:var(--link)}
.pager{margin:.75rem 0 0}
.live-status{margin:0 0 .75rem;color:var(--muted)}
.live-status.connected::before{content:"●";color:#047857;margin-right:.4rem}
tr.fresh{animation:fresh 2s ease-out}
@keyframes fresh{from{background:#fef3c7}to{background:transparent}}
@media (prefers-reduced-motion:reduce){tr.fresh{animation:none}}
`;

/**
 * Two jobs: ask before a destructive form is sent (`data-confirm`), and run the live tail.
 * The tail's socket goes to the console's own feed path, authorised by the session cookie;
 * the URL carries only the version to resume after.
 */
const JS = `
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) e.preventDefault();
});

(function liveTail() {
  var table = document.getElementById("live-tail");
  if (!table) return;
  var status = document.getElementById("live-status");
  var body = table.tBodies[0];
  var after = Number(table.getAttribute("data-after")) || 0;
  var MAX_ROWS = 200;
  var retryMs = 1000;

  function say(text, connected) {
    status.textContent = text;
    status.classList.toggle("connected", !!connected);
  }
  function cell(row, tag, text) {
    var el = document.createElement(tag);
    if (tag === "th") el.scope = "row";
    el.textContent = text;
    row.appendChild(el);
    return el;
  }
  function show(event) {
    var placeholder = body.querySelector("tr.placeholder");
    if (placeholder) placeholder.remove();
    var row = document.createElement("tr");
    row.className = "fresh";
    var head = cell(row, "th", "");
    var link = document.createElement("a");
    link.href = table.getAttribute("data-event-base") + event.version;
    link.textContent = String(event.version);
    head.appendChild(link);
    cell(row, "td", new Date(event.receivedAt).toISOString().replace("T", " ").slice(0, 19) + " UTC");
    cell(row, "td", event.entityKind);
    cell(row, "td", event.entityId).className = "wrap";
    cell(row, "td", event.eventType);
    cell(row, "td", event.source && event.source.origin);
    cell(row, "td", event.id).className = "wrap";
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + location.host + table.getAttribute("data-feed") + "?after=" + after);
    socket.onopen = function () { retryMs = 1000; say("Live: new events appear at the top.", true); };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (_) { return; }
      if (frame.type === "events") {
        frame.events.forEach(function (event) { if (event.version > after) { show(event); after = event.version; } });
      }
    };
    socket.onclose = function () {
      say("Disconnected; reconnecting in " + Math.round(retryMs / 1000) + " s…", false);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }
  connect();
})();
`;

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M7 16h6l3-7 4 14 3-7h2" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const ASSETS: Record<string, { body: string; type: string }> = {
  "console.css": { body: CSS, type: "text/css; charset=utf-8" },
  "console.js": { body: JS, type: "text/javascript; charset=utf-8" },
  "icon.svg": { body: ICON, type: "image/svg+xml" },
};
