// Linli console: the little behaviour the server-rendered pages need.
(function () {
  "use strict";

  // htmx requests carry the session's CSRF token like forms do.
  document.addEventListener("htmx:configRequest", function (e) {
    var m = document.querySelector('meta[name="csrf-token"]');
    if (m && m.content) {
      e.detail.headers["X-CSRF-Token"] = m.content;
    }
  });

  // Forms marked data-confirm ask before they submit.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // A click on a shown secret selects it, ready to copy.
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest(".secret, .qr-payload");
    if (!el || !window.getSelection) {
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  });
})();
