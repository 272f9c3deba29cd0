// Read-only look: the board renders (and escapes) the learner's saved notebook; this only polls.
"use strict";
const LEARNER = document.querySelector('meta[name="learner"]').content;
const NOTEBOOK = document.querySelector('meta[name="notebook"]').content;
const XSRF = document.querySelector('meta[name="xsrf"]').content;
const LOOK_MS = 2000;
let shown = null;

async function refresh() {
  const status = document.getElementById("status");
  try {
    const url = "../api/look/" + encodeURIComponent(LEARNER) +
      "?notebook=" + encodeURIComponent(NOTEBOOK);
    const r = await fetch(url, { headers: { "X-XSRFToken": XSRF } });
    if (!r.ok) throw new Error(await r.text());
    const look = await r.json();
    if (look.last_modified !== shown) {
      // html is built by the board from escaped text (hub/classroom/notebook_html.py)
      document.getElementById("notebook").innerHTML = look.html;
      shown = look.last_modified;
    }
    status.textContent = "Saved " + new Date(look.last_modified).toLocaleTimeString() +
      " — checked " + new Date().toLocaleTimeString();
  } catch (e) {
    status.textContent = "Could not read the notebook: " + e.message;
  }
}

refresh();
setInterval(refresh, LOOK_MS);
