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
    var target = event.detail.target;
    if (target.id === "results" && source && source.closest(".pagination")) {
      target.focus();
    }
    // The store picker opened: its heading takes focus. A store was chosen: the new pickup line does
    // (the button that was pressed is gone).
    if (target.id === "store-picker") {
      var heading = target.querySelector("#stores-heading");
      if (heading) heading.focus();
    }
    focusChosenStore(event);
  });
  // Again once htmx has settled: a slow machine can settle the swap after the first focus was lost.
  document.addEventListener("htmx:afterSettle", focusChosenStore);
  function focusChosenStore(event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var target = event.detail.target;
    if (target.id !== "pickup" || !source || !source.closest("#store-picker, .store-list")) return;
    var line = target.querySelector(".pickup-line");
    if (line && document.activeElement !== line) line.focus();
  }
  // Closing the picker goes back to the link that opened it.
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-close-picker]");
    if (!close) return;
    var picker = document.getElementById("store-picker");
    if (picker) picker.innerHTML = "";
    var more = document.querySelector("#pickup .pickup-more");
    if (more) more.focus();
  });
})();
