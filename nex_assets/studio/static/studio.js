// NEX Studio's only script: the streamed answer, chart/table switches, and confirmations. No framework.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf"]').content;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Server-rendered fragments (results) are built by the server from escaped values.
function fragment(html) {
  const box = el("div");
  box.innerHTML = html;
  return box;
}

async function ask(form) {
  const messages = document.getElementById("messages");
  const data = new FormData(form);
  const question = data.get("question").trim();
  if (!question) return;
  const user = el("div", "msg msg-user");
  user.appendChild(el("div", "text", question));
  messages.appendChild(user);
  const answer = el("div", "msg msg-assistant");
  const text = el("div", "text");
  answer.appendChild(text);
  messages.appendChild(answer);
  form.querySelector("button").disabled = true;
  form.question.value = "";
  try {
    const response = await fetch("/ask/stream", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf() },
      body: JSON.stringify({
        question,
        persona: data.get("persona"),
        conversation_id: data.get("conversation_id") || null,
      }),
    });
    if (!response.ok) {
      text.textContent = await response.text();
      text.classList.add("error");
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        if (line) handle(JSON.parse(line), form, answer, text);
      }
    }
  } finally {
    form.querySelector("button").disabled = false;
  }
}

function handle(event, form, answer, text) {
  if (event.type === "text") {
    text.textContent += event.text;
  } else if (event.type === "status") {
    answer.insertBefore(el("p", "small status", event.text), text);
  } else if (event.type === "tool") {
    const details = el("details", "tool-call");
    details.open = true;
    details.appendChild(el("summary", "", "tool: " + event.tool + (event.error ? " (failed)" : "")));
    details.appendChild(el("pre", "small", event.arguments));
    if (event.error) details.appendChild(el("p", "error", event.error));
    if (event.html) details.appendChild(fragment(event.html));
    answer.insertBefore(details, text);
    bindSwitches(details);
  } else if (event.type === "done") {
    if (event.text) text.textContent = event.text;
    form.conversation_id.value = event.conversation_id;
    answer.dataset.done = "1";
    history.replaceState(null, "", "/ask/" + event.conversation_id);
  } else if (event.type === "error") {
    text.appendChild(el("p", "error", event.error));
    answer.dataset.done = "1";
  }
}

function bindSwitches(root) {
  root.querySelectorAll(".views").forEach((views) => {
    views.querySelectorAll(".switch button").forEach((button) => {
      button.addEventListener("click", () => {
        views.querySelectorAll(".switch button").forEach((b) => b.classList.toggle("on", b === button));
        views.querySelectorAll(".view").forEach((v) => v.classList.toggle("hidden", v.dataset.view !== button.dataset.show));
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  bindSwitches(document);
  const form = document.getElementById("ask-form");
  if (form) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      ask(form);
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
});
