// The live opinion map: joins the issue's Socket.IO room, redraws on every `opinion_map` event,
// and re-joins after a lost connection. Statement texts are untrusted: they are only ever set
// with textContent, never innerHTML.
(function () {
  "use strict";

  var root = document.getElementById("opinion-map");
  if (!root) return;
  var issueId = parseInt(root.dataset.issueId, 10);
  var strings = JSON.parse(root.querySelector("[data-om-strings]").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  // Colour-blind-safe colours (Okabe-Ito, darkened to at least 3:1 on white) and one shape per
  // group, both indexed by the stable group id, so a group keeps its look across updates.
  var COLOURS = ["#0072B2", "#C24E00", "#007A5A", "#A23B8F", "#7A5C00", "#4B4B9E", "#8C3A3A"];
  var SHAPES = ["circle", "square", "triangle", "diamond", "cross"];
  var PAD = 6;

  var state = { map: null, you: null, participant: false, lastAnnounced: "" };

  function $(selector) { return root.querySelector(selector); }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  // Mirrors app.services.labels.group_label: groups are lettered A, B, C ... as everywhere else.
  function groupName(id) { return id >= 0 && id < 26 ? String.fromCharCode(65 + id) : String(id); }
  function colour(id) { return COLOURS[id % COLOURS.length]; }
  function people(n) { return fmt(n === 1 ? strings.people_one : strings.people_other, { n: n.toLocaleString() }); }
  function percent(x) { return Math.round(x * 100) + "%"; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // --- the SVG map ---------------------------------------------------------------------------

  function scaler(bounds) {
    var x0 = bounds[0], y0 = bounds[1], x1 = bounds[2], y1 = bounds[3];
    var span = Math.max(x1 - x0, y1 - y0) || 1;
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, scale = (100 - 2 * PAD) / span;
    return function (x, y) { return [50 + (x - cx) * scale, 50 - (y - cy) * scale]; };
  }

  function marker(groupId, x, y, size) {
    var shape = groupId === null || groupId === undefined ? "circle" : SHAPES[groupId % SHAPES.length];
    var r = size, node;
    if (shape === "square") {
      node = svg("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r });
    } else if (shape === "triangle") {
      node = svg("polygon", { points: [x, y - r * 1.2, x + r * 1.1, y + r * 0.8, x - r * 1.1, y + r * 0.8].join(" ") });
    } else if (shape === "diamond") {
      node = svg("polygon", { points: [x, y - r * 1.3, x + r * 1.3, y, x, y + r * 1.3, x - r * 1.3, y].join(" ") });
    } else if (shape === "cross") {
      var a = r * 1.2, b = r * 0.45;
      node = svg("polygon", { points: [x - b, y - a, x + b, y - a, x + b, y - b, x + a, y - b, x + a, y + b, x + b, y + b,
        x + b, y + a, x - b, y + a, x - b, y + b, x - a, y + b, x - a, y - b, x - b, y - b].join(" ") });
    } else {
      node = svg("circle", { cx: x, cy: y, r: r });
    }
    node.setAttribute("fill", groupId === null || groupId === undefined ? "#57606a" : colour(groupId));
    return node;
  }

  function drawMap(map) {
    var hulls = $("[data-om-hulls]"), points = $("[data-om-points]"), labels = $("[data-om-labels]");
    [hulls, points, labels].forEach(clear);
    var bounds = map.positions.bounds;
    if (!bounds) return;
    var at = scaler(bounds);
    var size = map.positions.points.length > 500 ? 0.6 : 1.1;
    map.groups.forEach(function (group) {
      if (group.hull.length >= 3) {
        var corners = group.hull.map(function (p) { return at(p[0], p[1]).join(","); }).join(" ");
        hulls.appendChild(svg("polygon", { points: corners, fill: colour(group.id), "fill-opacity": "0.12",
          stroke: colour(group.id), "stroke-width": "0.5", "data-group-id": group.id }));
      }
    });
    var fragment = document.createDocumentFragment();
    map.positions.points.forEach(function (p) {
      var xy = at(p[0], p[1]);
      fragment.appendChild(marker(p[2], xy[0], xy[1], size));
    });
    points.appendChild(fragment);
    map.groups.forEach(function (group) {
      var xy = at(group.center[0], group.center[1]);
      var label = svg("text", { x: xy[0], y: xy[1], "text-anchor": "middle", "dominant-baseline": "central",
        "class": "om-group-label", "data-group-id": group.id });
      label.textContent = groupName(group.id);
      labels.appendChild(label);
    });
    drawMe();
  }

  function drawMe() {
    var me = $("[data-om-me]");
    clear(me);
    var map = state.map, you = state.you;
    if (!map || !you || !you.on_map || !map.positions.bounds) return;
    var xy = scaler(map.positions.bounds)(you.position[0], you.position[1]);
    me.appendChild(svg("circle", { cx: xy[0], cy: xy[1], r: 3.2, fill: "none", stroke: "#1b1f24", "stroke-width": "0.9",
      "class": "om-me-ring", "data-om-me-marker": "" }));
    var text = svg("text", { x: xy[0], y: xy[1] - 4.6, "text-anchor": "middle", "class": "om-me-label" });
    text.textContent = strings.you_here;
    me.appendChild(text);
  }

  // --- cards, lists and the table ------------------------------------------------------------

  function shareBar(share, groupId) {
    var row = el("div", { "class": "om-bar-row" });
    var label = el("span", { "class": "om-bar-label", style: "color:" + colour(groupId) }, groupName(groupId));
    label.setAttribute("aria-hidden", "true");
    var bar = el("span", { "class": "om-bar", "aria-hidden": "true" });
    [["agree", share.agree], ["disagree", share.disagree], ["pass", share.pass]].forEach(function (part) {
      bar.appendChild(el("span", { "class": "om-bar-" + part[0], style: "width:" + (part[1] * 100).toFixed(1) + "%" }));
    });
    var text = el("span", { "class": "om-bar-text" }, fmt(strings.group, { name: groupName(groupId) }) + ": " +
      fmt(strings.shares, { agree: percent(share.agree), disagree: percent(share.disagree), pass: percent(share.pass) }));
    row.appendChild(label);
    row.appendChild(bar);
    row.appendChild(text);
    return row;
  }

  function statementItem(tag, item, note) {
    var li = el(tag, { "data-statement-id": item.statement_id });
    li.appendChild(el("p", { "class": "om-statement-text" }, item.text));
    if (note) li.appendChild(el("p", { "class": "om-note" }, note));
    (item.by_group || []).forEach(function (share) { li.appendChild(shareBar(share, share.group_id)); });
    return li;
  }

  function drawGroups(map) {
    var box = $("[data-om-groups]");
    clear(box);
    map.groups.forEach(function (group) {
      var card = el("article", { "class": "om-group", "data-group-id": group.id, style: "border-top-color:" + colour(group.id) });
      var heading = el("h3", { "class": "om-group-heading" });
      var swatch = svg("svg", { viewBox: "0 0 10 10", width: "16", height: "16", "aria-hidden": "true", focusable: "false" });
      swatch.appendChild(marker(group.id, 5, 5, 3.4));
      heading.appendChild(swatch);
      heading.appendChild(document.createTextNode(" " + fmt(strings.group, { name: groupName(group.id) }) + " · " + people(group.size)));
      card.appendChild(heading);
      card.appendChild(el("h4", {}, strings.stands_for));
      var list = el("ul", { "class": "om-statement-list" });
      group.representative.forEach(function (rep) {
        list.appendChild(statementItem("li", rep, rep.repful_for === "agree" ? strings.repful_agree : strings.repful_disagree));
      });
      if (!group.representative.length) list.appendChild(el("li", {}, strings.none));
      card.appendChild(list);
      box.appendChild(card);
    });
  }

  function fillList(selector, items, note) {
    var list = $(selector);
    clear(list);
    items.forEach(function (item) { list.appendChild(statementItem("li", item, note(item))); });
    if (!items.length) list.appendChild(el("li", {}, strings.none));
  }

  function drawLists(map) {
    fillList("[data-om-majority-agree]", map.majority.agree, function (item) { return fmt(strings.overall, { percent: percent(item.agree) }) + " · " + strings.agree; });
    fillList("[data-om-majority-disagree]", map.majority.disagree, function (item) { return fmt(strings.overall, { percent: percent(item.disagree) }) + " · " + strings.disagree; });
    fillList("[data-om-consensus]", map.group_informed_consensus, function (item) { return fmt(strings.probability, { percent: percent(item.probability) }); });
  }

  function drawTable(map) {
    var head = $("[data-om-table-head]"), body = $("[data-om-table-body]");
    clear(head);
    clear(body);
    var row = el("tr");
    row.appendChild(el("th", { scope: "col" }, strings.statement));
    row.appendChild(el("th", { scope: "col" }, strings.stands_for_col));
    map.groups.forEach(function (group) {
      row.appendChild(el("th", { scope: "col" }, fmt(strings.group, { name: groupName(group.id) }) + " (" + people(group.size) + ")"));
    });
    head.appendChild(row);
    map.groups.forEach(function (group) {
      group.representative.forEach(function (rep) {
        var tr = el("tr");
        tr.appendChild(el("th", { scope: "row" }, rep.text));
        tr.appendChild(el("td", {}, fmt(strings.group, { name: groupName(group.id) }) + ": " +
          (rep.repful_for === "agree" ? strings.repful_agree : strings.repful_disagree)));
        rep.by_group.forEach(function (share) {
          tr.appendChild(el("td", {}, fmt(strings.shares, { agree: percent(share.agree), disagree: percent(share.disagree), pass: percent(share.pass) })));
        });
        body.appendChild(tr);
      });
    });
  }

  // --- you, the summary, the live region -----------------------------------------------------

  function youText(you) {
    if (!you) return "";
    if (you.on_map) {
      return you.group_id === null || you.group_id === undefined ? strings.you_no_group : fmt(strings.you_in_group, { name: groupName(you.group_id) });
    }
    if (you.reason === "fewer_than_7_votes") return fmt(strings.you_need_votes, { count: Math.max(you.needed - you.votes, 1) });
    return strings.you_pending;
  }

  function drawYou() {
    var box = $("[data-om-you]");
    var text = state.participant ? youText(state.you) : "";
    box.textContent = text;
    box.hidden = !text;
    drawMe();
    describe();
  }

  function describe() {
    var map = state.map;
    if (!map) return;
    var text = map.groups.length ? fmt(strings.summary, { people: people(map.participants.on_map), groups: map.groups.length }) +
      " " + map.groups.map(function (g) { return fmt(strings.summary_groups, { name: groupName(g.id), people: people(g.size) }); }).join(" ")
      : strings.no_groups;
    var you = state.participant ? youText(state.you) : "";
    $("[data-om-desc]").textContent = text + (you ? " " + you : "");
    // Announce only what changes the picture: the number of groups or the viewer's own group.
    var key = map.groups.length + "|" + (state.you && state.you.on_map ? state.you.group_id : "-");
    if (key !== state.lastAnnounced) {
      if (state.lastAnnounced) $("[data-om-announce]").textContent = map.groups.length ? text.split(". ")[0] + ". " + you : you;
      state.lastAnnounced = key;
    }
  }

  function render(map) {
    if (state.map && map.tick < state.map.tick) return;  // a late, older tick
    state.map = map;
    if (map.you) state.you = map.you;
    $("[data-om-empty]").hidden = map.groups.length > 0;
    root.dataset.tick = map.tick;
    drawMap(map);
    drawGroups(map);
    drawLists(map);
    drawTable(map);
    drawYou();
    if (map.computed_at) {
      $("[data-om-updated]").textContent = fmt(strings.updated, { time: new Date(map.computed_at).toLocaleTimeString() });
    }
  }

  // --- the connection ------------------------------------------------------------------------

  function setConnection(name) {
    var box = $("[data-om-connection]");
    box.dataset.state = name;
    box.textContent = strings[name];
  }

  function loadOnce() {
    fetch(root.dataset.mapUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (map) { if (map && !state.map) render(map); })
      .catch(function () { /* the socket will deliver it */ });
  }

  function connect() {
    if (typeof window.io !== "function") { loadOnce(); return; }
    var socket = window.io({ transports: ["websocket", "polling"] });

    function join() {
      socket.emit("join_issue", { issue_id: issueId }, function (ack) {
        if (ack && ack.ok) state.participant = ack.participant;
        drawYou();
      });
    }

    // "connect" also fires after every automatic reconnection: join the room again each time.
    socket.on("connect", function () { setConnection("live"); join(); });
    socket.on("disconnect", function () { setConnection("lost"); });
    socket.io.on("reconnect_attempt", function () { setConnection("lost"); });
    socket.on("opinion_map", function (map) {
      if (map.issue_id !== issueId) return;
      render(map);
      if (map.you_follows === false && state.participant) {
        socket.emit("where_am_i", { issue_id: issueId }, function (ack) {
          if (ack && ack.ok && ack.tick === state.map.tick) { state.you = ack.you; drawYou(); }
        });
      }
    });
    socket.on("vote_counts", function (counts) {
      if (counts.issue_id !== issueId) return;
      var box = document.querySelector("[data-counts]");
      if (!box) return;
      ["participants", "statements", "votes"].forEach(function (name) {
        var cell = box.querySelector('[data-count="' + name + '"]');
        if (cell) cell.textContent = counts[name].toLocaleString("en-US");
      });
      // Tells voting.js that fresh totals arrived (it then leaves its own +1 out).
      box.dataset.countsVersion = String((parseInt(box.dataset.countsVersion || "0", 10) || 0) + 1);
    });
    socket.on("opinion_map_you", function (message) {
      if (message.issue_id !== issueId || (state.map && message.tick < state.map.tick)) return;
      state.you = message.you;
      drawYou();
    });

    // The socket learns who this viewer is from the session cookie at connection time. A first
    // vote creates that cookie, so reconnect once afterwards to be placed on the map.
    function refreshIdentity() {
      if (state.participant) return;
      socket.disconnect();
      socket.connect();
    }
    document.addEventListener("agora:voted", refreshIdentity);
  }

  setConnection("connecting");
  connect();
})();
