"""Storefront URLs: the buyer's account (mounted at /<lang>/account/, namespace `account`)."""

from django.urls import path

from comptoir.storefront.views import account, account_taxes

urlpatterns = [
    path("", account.account_home, name="home"),
    path("sign-up/", account.sign_up, name="sign_up"),
    path("sign-in/", account.sign_in, name="sign_in"),
    path("sign-out/", account.sign_out, name="sign_out"),
    path("password/", account.change_password, name="password"),
    path("company-and-taxes/", account_taxes.tax_details, name="taxes"),
    path("password/reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", account.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", account.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", account.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("orders/", account.order_list, name="orders"),
    path("orders/<str:number>/", account.order_detail, name="order"),
]
