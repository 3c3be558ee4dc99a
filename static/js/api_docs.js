// GET /api/v1/docs: Swagger UI renders the OpenAPI document (vendored files only: no CDN, no inline
// script, no online validator).
(function () {
  "use strict";
  var root = document.getElementById("reference");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false
  });
})();
