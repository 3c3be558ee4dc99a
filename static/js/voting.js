// Progressive enhancement of the issue page: vote through the API and show the next statement
// without a reload; a live character counter for the statement form. Without this script the
// same forms post normally and the server redirects back.
(function () {
  "use strict";

  var csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  var panel = document.getElementById("vote");

  function setupCounter() {
    var textarea = document.getElementById("statement-text");
    var counter = document.getElementById("statement-counter");
    if (!textarea || !counter) return;
    var max = parseInt(textarea.dataset.maxLength, 10);
    var template = counter.dataset.counterTemplate;
    function update() {
      var count = Array.from(textarea.value).length;  // characters, not UTF-16 units
      counter.textContent = template.replace("{count}", count).replace("{max}", max);
      counter.classList.toggle("over", count > max);
    }
    textarea.addEventListener("input", update);
    update();
  }

  // The totals come from the `vote_counts` socket event (opinion_map.js, which bumps
  // data-counts-version on each). A first vote also adds one to the votes here at once, unless
  // fresh totals arrived while it was being sent: those, or the next ones, already count it.
  function countsVersion() {
    var box = document.querySelector("[data-counts]");
    return box ? box.dataset.countsVersion || "0" : null;
  }

  function countOwnVote(versionBefore) {
    if (versionBefore === null || countsVersion() !== versionBefore) return;
    var cell = document.querySelector('[data-counts] [data-count="votes"]');
    if (!cell) return;
    var shown = parseInt(cell.textContent.replace(/[^0-9]/g, ""), 10);
    if (!isNaN(shown)) cell.textContent = (shown + 1).toLocaleString("en-US");
  }

  function showStatement(statement) {
    var card = panel.querySelector("[data-statement-card]");
    var done = panel.querySelector("[data-all-voted]");
    if (statement) {
      // textContent, never innerHTML: statement text is untrusted.
      card.querySelector("[data-statement-text]").textContent = statement.text;
      card.querySelector('input[name="statement_id"]').value = statement.id;
      card.hidden = false;
      done.hidden = true;
    } else {
      card.hidden = true;
      done.hidden = false;
    }
  }

  function fail(message) {
    var box = panel.querySelector("[data-vote-error]");
    box.textContent = message;
    box.hidden = false;
  }

  function readError(response) {
    return response.json().then(
      function (body) {
        var error = new Error((body.error && body.error.message) || response.statusText);
        error.code = body.error && body.error.code;
        return error;
      },
      function () { return new Error(response.statusText); }
    );
  }

  // The participation rule refused this vote (it changed since the page was loaded):
  // the buttons give way to the rule's message, as the page shows it when loaded.
  function refuse(message) {
    var card = panel.querySelector("[data-statement-card]");
    var note = document.createElement("p");
    note.className = "participation-required";
    note.setAttribute("role", "alert");
    note.textContent = message;
    card.replaceWith(note);
  }

  function vote(form, label) {
    var status = panel.querySelector("[data-vote-status]");
    var statementId = parseInt(form.querySelector('input[name="statement_id"]').value, 10);
    panel.setAttribute("aria-busy", "true");
    panel.querySelector("[data-vote-error]").hidden = true;
    var headers = { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken };
    var versionBefore = countsVersion();
    return fetch(panel.dataset.voteUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ statement_id: statementId, vote: label })
    }).then(function (response) {
      if (!response.ok) return readError(response).then(function (error) { throw error; });
      return response.json();
    }).then(function (body) {
      if (body.outcome === "created") countOwnVote(versionBefore);
      // The opinion map listens: a first vote may have created this viewer's participant.
      document.dispatchEvent(new CustomEvent("agora:voted", { detail: body }));
      status.textContent = form.querySelector('button[value="' + label + '"]').textContent.trim() + " ✓";
      return fetch(panel.dataset.nextUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    }).then(function (response) {
      if (response.status === 204) return null;
      if (!response.ok) return readError(response).then(function (error) { throw error; });
      return response.json();
    }).then(function (statement) {
      showStatement(statement);
      var first = panel.querySelector("[data-statement-card]:not([hidden]) button.vote");
      if (first) first.focus();
    }).catch(function (error) {
      if (error.code === "participation_required") refuse(error.message);
      else fail(error.message);
    }).finally(function () {
      panel.removeAttribute("aria-busy");
    });
  }

  function setupVoting() {
    if (!panel || !window.fetch) return;
    var form = panel.querySelector(".vote-form");
    if (!form) return;  // voting is closed in this stage
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter || document.activeElement;
      if (!button || !button.value || panel.getAttribute("aria-busy")) return;
      vote(form, button.value);
    });
    var hint = document.getElementById("shortcut-hint");
    if (hint) hint.hidden = false;
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      var target = event.target;
      if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
      var label = { a: "agree", d: "disagree", p: "pass" }[event.key.toLowerCase()];
      var card = panel.querySelector("[data-statement-card]");
      if (!label || !card || card.hidden || panel.getAttribute("aria-busy")) return;
      event.preventDefault();
      vote(form, label);
    });
  }

  setupCounter();
  setupVoting();
})();
