// The class board: polls api/room and redraws. Learner-supplied text goes in via textContent only.
"use strict";
const XSRF = document.querySelector('meta[name="xsrf"]').content;
const REFRESH_MS = 3000;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function idle(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return Math.round(seconds) + " s";
  if (seconds < 3600) return Math.round(seconds / 60) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}

async function post(url) {
  const r = await fetch(url, { method: "POST", headers: { "X-XSRFToken": XSRF } });
  if (!r.ok) document.getElementById("status").textContent = await r.text();
  refresh();
}

function button(label, action) {
  const b = el("button", label);
  b.addEventListener("click", action);
  return b;
}

function lookUrl(row) {
  const nb = row.notebook ? "?notebook=" + encodeURIComponent(row.notebook) : "";
  return "look/" + encodeURIComponent(row.username) + nb;
}

function drawRow(row, edits) {
  const tr = el("tr");
  tr.dataset.username = row.username;
  const who = el("td");
  who.append(el("div", row.name, "name"), el("div", row.username, "username"));
  tr.append(who);
  tr.append(el("td", row.phase + (row.unreachable ? " (not answering)" : ""),
               "phase phase-" + row.phase.replace(/ /g, "-")));
  tr.append(el("td", row.progress || "", "progress"));
  const err = row.error ? [row.error.cell, row.error.text].filter(Boolean).join(": ") : "";
  tr.append(el("td", err, "error"));
  tr.append(el("td", row.kernel_died || "", "died"));
  tr.append(el("td", idle(row.idle_seconds), "idle"));
  tr.append(el("td", [row.memory, row.gpu].filter(Boolean).join(" · "), "memory"));
  tr.append(el("td", row.stuck ? "stuck at " + (row.stuck.cell || "?") : "", "stuck"));
  const actions = el("td", null, "actions");
  if (row.phase === "ready") {
    const look = el("a", "Look");
    look.href = lookUrl(row);
    look.target = "_blank";
    actions.append(look, " ");
    const edit = edits.find((e) => e.learner === row.username);
    if (!edit) {
      actions.append(button("Ask to edit together", () =>
        post("api/edit/" + encodeURIComponent(row.username))));
    } else if (edit.status === "asked") {
      actions.append(el("span", "asked to edit together…", "quiet"));
    } else {
      const open = el("a", "Edit together");
      open.href = row.server_url + "lab/tree/" + encodeURIComponent(edit.notebook || "");
      open.target = "_blank";
      actions.append(open, " ", button("End", () => post("api/edit-end/" + edit.id)));
    }
  }
  tr.append(actions);
  return tr;
}

function drawQueue(queue) {
  const list = document.getElementById("queue");
  list.replaceChildren();
  for (const entry of queue) {
    const li = el("li", null, entry.status);
    li.dataset.username = entry.username;
    const where = [entry.cell, entry.section].filter(Boolean).join(", ");
    li.append(el("span", entry.name + " (" + entry.username + ") — " + (where || "no cell") +
                 (entry.taken_by ? " — taken by " + entry.taken_by : "") + " "));
    if (entry.status === "waiting") {
      li.append(button("Take", () => post("api/queue/" + entry.username + "/take")));
    }
    li.append(button("Done", () => post("api/queue/" + entry.username + "/done")));
    list.append(li);
  }
  document.getElementById("queue-empty").hidden = queue.length > 0;
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    // cookie-authenticated fetches carry the XSRF token, GETs too (JupyterHub >= 4.1)
    const r = await fetch("api/room", { headers: { "X-XSRFToken": XSRF } });
    const room = await r.json();
    if (!r.ok) throw new Error(room.error || r.statusText);
    document.getElementById("summary").textContent = room.summary.line;
    document.querySelector("#room tbody").replaceChildren(
      ...room.rows.map((row) => drawRow(row, room.edits)));
    drawQueue(room.queue);
    status.textContent = "Updated " + new Date().toLocaleTimeString() +
      (room.error ? " — last poll failed: " + room.error : "");
  } catch (e) {
    status.textContent = "Could not read the room: " + e.message;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
