/*
 * Agora embed script. On any site allowed to frame an issue (its console's embed settings):
 *
 *   <div class="agora-embed" data-issue="SLUG" data-xid="YOUR-USER-ID" data-map="1"></div>
 *   <script src="https://AGORA-HOST/static/embed.js" async></script>
 *
 * Each div becomes an iframe of AGORA-HOST/embed/SLUG that grows and shrinks with its content.
 * data-xid (optional) is your own id for the signed-in person: it is their one participant on the
 * issue. data-map="1" adds a small opinion map.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = new URL(script ? script.src : "/", window.location.href).origin;
  var frames = [];

  function mount(div) {
    if (div.dataset.agoraMounted) return;
    var slug = div.dataset.issue;
    if (!slug) return;
    var url = new URL("/embed/" + encodeURIComponent(slug), base);
    if (div.dataset.xid) url.searchParams.set("xid", div.dataset.xid);
    if (div.dataset.map === "1") url.searchParams.set("map", "1");
    var iframe = document.createElement("iframe");
    iframe.src = url.toString();
    iframe.title = div.dataset.title || "Agora";
    iframe.loading = "lazy";
    iframe.style.width = "100%";
    iframe.style.border = "0";
    iframe.style.height = (div.dataset.height || "320") + "px";
    div.dataset.agoraMounted = "1";
    div.appendChild(iframe);
    frames.push(iframe);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base || !event.data || event.data.type !== "agora-embed:height") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        var height = Math.max(80, Math.min(4000, parseInt(event.data.height, 10) || 0));
        frames[i].style.height = height + "px";
      }
    }
  });

  function mountAll() {
    var divs = document.querySelectorAll("div.agora-embed");
    for (var i = 0; i < divs.length; i++) mount(divs[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
