/* "Draft with AI": stream the drafts into the composer as they are written.
   The server answers NDJSON (one JSON object per line): {"target", "key"}, {"delta", "key"}...,
   {"cards", "key"}, then {"done"} or {"error"}. Without this file the form posts normally and
   the drafts come on a page of their own. */
(function () {
  "use strict";

  function token() {
    var field = document.querySelector('#ai-form input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function targetBox(stream, key, label) {
    var box = document.createElement("section");
    box.className = "ai-live";
    box.setAttribute("data-key", key);
    var title = document.createElement("h3");
    title.textContent = label;
    var text = document.createElement("pre");
    text.className = "ai-live-text";
    box.appendChild(title);
    box.appendChild(text);
    stream.appendChild(box);
    return text;
  }

  function showError(stream, message) {
    var p = document.createElement("p");
    p.className = "flash error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    stream.appendChild(p);
  }

  function handle(event, state) {
    if (event.target !== undefined) {
      state.live[event.key] = targetBox(state.stream, event.key, event.target);
    } else if (event.delta !== undefined) {
      var box = state.live[event.key];
      if (box) { box.appendChild(document.createTextNode(event.delta)); }
    } else if (event.cards !== undefined) {
      var holder = document.createElement("div");
      holder.className = "ai-target-cards";
      holder.innerHTML = event.cards;
      state.cards.appendChild(holder);
      if (window.htmx) { window.htmx.process(holder); }
      state.accept.hidden = false;
      var done = state.stream.querySelector('[data-key="' + event.key + '"]');
      if (done) { done.classList.add("done"); }
    } else if (event.error !== undefined) {
      showError(state.stream, event.error);
    } else if (event.done) {
      state.stream.setAttribute("data-done", "true");
    }
  }

  async function run(form) {
    var state = {
      stream: document.getElementById("ai-stream"),
      cards: document.getElementById("ai-cards"),
      accept: document.getElementById("ai-accept"),
      live: {}
    };
    var button = document.getElementById("ai-go");
    state.stream.textContent = "";
    state.stream.removeAttribute("data-done");
    state.cards.textContent = "";
    state.accept.hidden = true;
    button.disabled = true;
    try {
      var response = await fetch(form.getAttribute("data-ai-stream"), {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRF-Token": token(), "Accept": "application/x-ndjson" },
        credentials: "same-origin"
      });
      if (!response.body) { throw new Error("no answer from the server"); }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) { break; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var lines = buffer.split("\n");
        buffer = lines.pop();
        lines.forEach(function (line) { if (line.trim()) { handle(JSON.parse(line), state); } });
      }
      if (buffer.trim()) { handle(JSON.parse(buffer), state); }
    } catch (err) {
      showError(state.stream, "Drafting failed: " + err.message);
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-ai-stream") &&
        window.fetch && window.TextDecoder && window.ReadableStream) {
      event.preventDefault();
      run(form);
    }
  });
})();
