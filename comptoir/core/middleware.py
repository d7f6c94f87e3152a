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


class RejectNulBytesMiddleware:
    """Refuse requests carrying a NUL character in the path, the query string or a text body, with a 400.

    No text in the shop can hold one, and PostgreSQL refuses it in any text comparison: left in, it would
    turn a lookup into a 500. Checked here once instead of in every form and schema.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        carried = "\x00" in request.path or "%00" in query.lower() or "\x00" in query
        content_type = request.META.get("CONTENT_TYPE", "")
        if not carried and request.method in ("POST", "PUT", "PATCH") and not content_type.startswith("multipart/"):
            # Text bodies only: an uploaded file (an image, a spreadsheet) legitimately holds NUL bytes.
            body = request.body  # read once; Django keeps it for the view
            carried = b"\x00" in body or b"\\u0000" in body or b"%00" in body
        if not carried:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from comptoir.core.errors import problem, problem_response

            return problem_response(
                problem(
                    status=400,
                    title="Invalid characters",
                    detail="The request contains a NUL character, which no field accepts.",
                    code="invalid-characters",
                    instance=request.path,
                )
            )
        from django.core.exceptions import BadRequest

        raise BadRequest("NUL character in the request")
