// The embedded voting view (/embed/<slug>): vote and add statements through the JSON API, and tell
// the host page (static/embed.js) how tall the content is so it can size the iframe.
(function () {
  "use strict";

  var csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  var panel = document.getElementById("embed");

  function reportHeight() {
    if (window.parent === window) return;
    var height = Math.ceil(document.documentElement.scrollHeight);
    // Only a height leaves this frame; the host script checks the message's source window.
    window.parent.postMessage({ type: "agora-embed:height", height: height }, "*");
  }

  function request(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    if (options.method === "POST") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken;
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (body) {
        if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
        return body;
      });
    });
  }

  function showStatement(statement) {
    var card = panel.querySelector("[data-statement-card]");
    var done = panel.querySelector("[data-all-voted]");
    if (statement) {
      card.querySelector("[data-statement-text]").textContent = statement.text;  // untrusted: never innerHTML
      card.querySelector("[data-statement-id]").dataset.statementId = statement.id;
      card.hidden = false;
      done.hidden = true;
    } else {
      card.hidden = true;
      done.hidden = false;
    }
    reportHeight();
  }

  function showError(box, message) {
    box.textContent = message;
    box.hidden = !message;
    reportHeight();
  }

  function setupVoting() {
    var buttons = panel.querySelector("[data-statement-id]");
    if (!buttons) return;
    var error = panel.querySelector("[data-vote-error]");
    var status = panel.querySelector("[data-vote-status]");
    buttons.addEventListener("click", function (event) {
      var button = event.target.closest("button.vote");
      if (!button || panel.getAttribute("aria-busy")) return;
      panel.setAttribute("aria-busy", "true");
      showError(error, "");
      var body = { statement_id: parseInt(buttons.dataset.statementId, 10), vote: button.value };
      request(panel.dataset.voteUrl, { method: "POST", body: JSON.stringify(body) })
        .then(function () {
          status.textContent = button.textContent.trim() + " ✓";
          return request(panel.dataset.nextUrl);
        })
        .then(showStatement)
        .catch(function (failure) { showError(error, failure.message); })
        .finally(function () { panel.removeAttribute("aria-busy"); });
    });
  }

  function setupStatementForm() {
    var form = panel.querySelector("[data-statement-form]");
    if (!form) return;
    var status = form.querySelector("[data-statement-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.querySelector("textarea").value;
      request(panel.dataset.statementUrl, { method: "POST", body: JSON.stringify({ text: text }) })
        .then(function (created) {
          form.reset();
          status.textContent = created.visible ? form.dataset.thanks : form.dataset.thanksModerated;
          reportHeight();
        })
        .catch(function (failure) { status.textContent = failure.message; reportHeight(); });
    });
  }

  setupVoting();
  setupStatementForm();
  window.addEventListener("load", reportHeight);
  window.addEventListener("resize", reportHeight);
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
  reportHeight();
})();
