// Comptoir storefront: the only script of our own; htmx does the rest and every page works without either.
(function () {
  "use strict";
  // The language and currency forms send the buyer back to the page they see now, including the filters
  // that htmx pushed into the address bar after the page was rendered.
  document.addEventListener("submit", function (event) {
    var next = event.target.querySelector("input[name=next][data-current-url]");
    if (next) next.value = window.location.pathname + window.location.search;
  });
  // Filters start folded on a phone; on a wide screen there is room to show them.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(min-width: 62.5em)").matches) {
      document.querySelectorAll("details.filter-panel").forEach(function (panel) { panel.open = true; });
    }
  });
  // A new page of results replaces the link that asked for it: move focus to the results.
  document.addEventListener("htmx:afterSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.target.id === "results" && source && source.closest(".pagination")) {
      event.detail.target.focus();
    }
  });
})();
