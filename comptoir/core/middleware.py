from django.utils.functional import SimpleLazyObject

from comptoir.core.queries import resolve_channel

CHANNEL_COOKIE = "comptoir_channel"


class ChannelMiddleware:
    """Sets `request.channel`: by domain, else the `comptoir_channel` cookie, else the default channel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.channel = SimpleLazyObject(
            lambda: resolve_channel(host=request.get_host(), preferred_slug=request.COOKIES.get(CHANNEL_COOKIE, ""))
        )
        return self.get_response(request)
