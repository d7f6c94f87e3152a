"""The cookie that carries an anonymous buyer's cart token."""

CART_COOKIE = "comptoir_cart"
CART_COOKIE_MAX_AGE = 60 * 60 * 24 * 30
