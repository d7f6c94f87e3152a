"""Storefront URLs: the cart, the one-page checkout and its sections, payment and confirmation.

Mounted under the language prefix in the `checkout` namespace. Every section endpoint is a POST answering
htmx with out-of-band swaps, and without JavaScript the page's one form posts to `checkout:place`.
"""

from django.urls import path

from comptoir.storefront.views import cart, checkout, pay

urlpatterns = [
    path("cart/", cart.cart_page, name="cart"),
    path("cart/count/", cart.cart_count, name="cart_count"),
    path("cart/add/", cart.add, name="add"),
    path("cart/lines/<int:line_id>/", cart.update_line, name="line"),
    path("cart/lines/<int:line_id>/remove/", cart.remove_line, name="remove_line"),
    path("cart/voucher/", cart.voucher, name="cart_voucher"),
    path("checkout/", checkout.checkout_page, name="checkout"),
    path("checkout/email/", checkout.email, name="email"),
    path("checkout/address/", checkout.address, name="address"),
    path("checkout/billing/", checkout.billing, name="billing"),
    path("checkout/business/", checkout.business, name="business"),
    path("checkout/delivery/", checkout.delivery, name="delivery"),
    path("checkout/voucher/", checkout.voucher, name="voucher"),
    path("checkout/gift-cards/", checkout.gift_card, name="gift_card"),
    path("checkout/payment-method/", checkout.payment_method, name="payment_method"),
    path("checkout/place/", checkout.place, name="place"),
    path("checkout/pay/<slug:token>/", pay.pay, name="pay"),
    path("checkout/pay/<slug:token>/return/", pay.pay_return, name="pay_return"),
    path("checkout/done/<slug:token>/", pay.done, name="done"),
]
