// Stripe's Payment Element on the pay page: mounts Stripe's fields and confirms the PaymentIntent; Stripe
// then sends the buyer to data-return-url, where the shop asks Stripe how it went. No card data reaches us.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("stripe-form");
    if (!form || typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(form.dataset.publishableKey);
    var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
    elements.create("payment").mount("#payment-element");
    var error = document.getElementById("stripe-error");
    var button = document.getElementById("pay-button");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      stripe
        .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
        .then(function (result) {
          // Only reached on an immediate error: otherwise the buyer is already on the return page.
          if (result.error) {
            error.textContent = result.error.message;
            error.hidden = false;
            button.disabled = false;
          }
        });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
