// GET /api/v1/docs: Redoc renders the OpenAPI document (no inline script, no CDN, no web worker).
(function () {
  var root = document.getElementById("redoc");
  window.Redoc.init(root.dataset.spec, { disableSearch: true, hideDownloadButton: false }, root);
})();
