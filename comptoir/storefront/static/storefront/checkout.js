// Comptoir cart and checkout: small helps on top of htmx. Every page here works without this file.
(function () {
  "use strict";
  // A refused try for being too fast (429) carries a message for the buyer: show it like a 409/422.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Enter in a code or address field presses that section's own button, not the page's default one.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var field = event.target;
    if (!field.matches || !field.matches("input:not([type=checkbox]):not([type=radio])")) return;
    var area = field.closest("[data-enter]");
    var button = area && document.querySelector(area.getAttribute("data-enter"));
    if (!button) return;
    event.preventDefault();
    button.click();
  });
  // After "Place order" was refused, bring the first message into view and give it focus (once: the
  // answer settles one out-of-band section at a time).
  var refused = false;
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    refused = Boolean(source && source.id === "checkout-form" && event.detail.xhr && event.detail.xhr.status >= 400);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refused) return;
    refused = false;
    var message = document.querySelector("#checkout-form [role=alert]");
    if (!message) return;
    if (!message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
    message.focus();
  });
})();
