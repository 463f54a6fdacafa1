// The dashboard's playground (templates/playground.html): sends one turn to the playground endpoint
// (hudhud/playground.py), draws the reply as WhatsApp would (text, buttons, list rows: pressable), and
// shows the turn's trace and rendered prompt. Text goes in with textContent only: nothing is parsed.
(function () {
  "use strict";
  const root = document.getElementById("playground");
  if (!root) return;
  const chat = document.getElementById("chat");
  const settings = document.getElementById("pg-settings");
  const send = document.getElementById("pg-send");
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    node.dir = "auto";
    return node;
  }

  function bubble(side, text) {
    const node = el("div", "bubble " + side, text);
    chat.appendChild(node);
    chat.scrollTop = chat.scrollHeight;
    return node;
  }

  function pressable(container, label, press) {
    const button = el("button", "choice", label);
    button.type = "button";
    button.addEventListener("click", function () { turn({ press: press }, label); });
    container.appendChild(button);
  }

  function drawPart(part) {
    if (part.kind === "text") return bubble("in", part.text);
    if (part.kind === "buttons") {
      const node = bubble("in", part.text);
      const row = el("div", "choices");
      part.buttons.forEach(function (b) { pressable(row, b.title, { id: b.id, title: b.title }); });
      node.appendChild(row);
      return node;
    }
    if (part.kind === "list") {
      const node = bubble("in", part.text);
      part.sections.forEach(function (section) {
        const rows = el("div", "choices list");
        if (section.title) rows.appendChild(el("div", "muted", section.title));
        section.rows.forEach(function (r) { pressable(rows, r.title, { id: r.id, title: r.title, row: true }); });
        node.appendChild(rows);
      });
      return node;
    }
    if (part.kind === "template") return bubble("in", "[template " + part.name + "]");
    return bubble("in", part.caption || "[" + part.kind + "]");
  }

  function drawPrompt(agent) {
    const box = document.getElementById("prompt");
    box.textContent = "";
    box.className = "";
    agent.forEach(function (trace) {
      (trace.rendered || []).forEach(function (call, n) {
        box.appendChild(el("h3", "", "Call " + (n + 1) + (call.schema_name ? " · " + call.schema_name : "") +
          (call.tools && call.tools.length ? " · tools: " + call.tools.join(", ") : "")));
        call.messages.forEach(function (m) {
          const msg = el("div", "rendered " + m.role);
          msg.appendChild(el("strong", "", m.role));
          msg.appendChild(el("pre", "", m.content));
          box.appendChild(msg);
        });
        if (call.answer) {
          const answer = el("div", "rendered answer");
          answer.appendChild(el("strong", "", "answer"));
          answer.appendChild(el("pre", "", call.answer));
          box.appendChild(answer);
        }
      });
    });
    if (!box.childNodes.length) box.textContent = "No model call this turn (a command, or answered without the model).";
  }

  async function turn(message, shown) {
    const body = Object.assign(
      { wa_id: settings.wa_id.value.trim(), profile: settings.profile.value }, message);
    bubble("out", shown);
    const waiting = bubble("in pending", "…");
    let answer;
    try {
      const response = await fetch(root.dataset.endpoint, {
        method: "POST",
        headers: Object.assign({ "content-type": "application/json" }, headers),
        body: JSON.stringify(body),
      });
      answer = await response.json();
      if (!response.ok) throw new Error(typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer.detail));
    } catch (err) {
      waiting.className = "bubble in error";
      waiting.textContent = "Not answered: " + err.message;
      return;
    }
    waiting.remove();
    answer.parts.forEach(drawPart);
    const slim = answer.agent.map(function (t) { const c = Object.assign({}, t); delete c.rendered; return c; });
    document.getElementById("trace").textContent = JSON.stringify(
      { turn_id: answer.turn_id, status: answer.status, log: answer.log, agent: slim, tools: answer.tools }, null, 2);
    document.getElementById("trace").className = "";
    drawPrompt(answer.agent);
  }

  send.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = send.text.value;
    if (!text.trim()) return;
    send.text.value = "";
    turn({ text: text }, text);
  });
})();
