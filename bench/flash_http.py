"""Just enough HTTP/1.1 for the flash-sale buyers: GET and form POST with a cookie jar, on plain asyncio streams.

Like bench/loadgen.py, and for the same reason: the buyers share the machine's two cores with the server they
measure, and httpx costs about 3 ms of CPU per request here, ten times this. Every request says
`Connection: close` (gunicorn's sync workers close anyway), is read to the end, and the answer's status,
headers, cookies and body are returned. Only loopback addresses are accepted (bench.loadgen.assert_loopback).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class BadResponseError(Exception):
    """The server's answer was not a complete HTTP response."""


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def csrf(self) -> str:
        found = CSRF_INPUT.search(self.body)
        return found.group(1).decode() if found else ""


@dataclass(slots=True)
class Jar:
    """One buyer's cookies (name -> value); an expired or deleted cookie (empty value, Max-Age=0) is dropped."""

    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def update(self, set_cookies: dict[str, str]) -> None:
        for name, value in set_cookies.items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)


def parse_set_cookie(line: str) -> tuple[str, str]:
    """(name, value) of one Set-Cookie header; value '' when the cookie is being deleted."""
    first, *attributes = line.split(";")
    name, _, value = first.strip().partition("=")
    value = value.strip().strip('"')
    for attribute in attributes:
        key, _, val = attribute.strip().partition("=")
        if key.lower() == "max-age" and val.strip() in ("0", "-1"):
            value = ""
    return name.strip(), value


def parse_response(answer: bytes) -> Response:
    """Status, lower-cased headers, cookies set, and the body (chunked transfer decoded)."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        raise BadResponseError("no end of headers")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise BadResponseError("no status line") from exc
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for raw in lines[1:]:
        name, _, value = raw.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            cookie, cookie_value = parse_set_cookie(value)
            cookies[cookie] = cookie_value
        else:
            headers[name] = value
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    elif "content-length" in headers and int(headers["content-length"]) != len(body):
        raise BadResponseError("body shorter than Content-Length")
    return Response(status, headers, cookies, body)


def _unchunk(data: bytes) -> bytes:
    out, at = bytearray(), 0
    while True:
        end = data.find(b"\r\n", at)
        if end < 0:
            raise BadResponseError("chunked body cut short")
        size = int(data[at:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        at = end + 2 + size + 2


def buyer_address(index: int) -> str:
    """A loopback address of its own for buyer `index` (127.0.0.0/8 is all this machine's): the shop's
    per-client limits (payment tries, sign-ups) see each buyer as the different person they stand for."""
    n = index + 1
    return f"127.{1 + n // 62_500 % 250}.{1 + n // 250 % 250}.{1 + n % 250}"


def build_request(
    method: str, path: str, *, host: str, jar: Jar, form: dict[str, str] | None = None, headers: dict | None = None
) -> bytes:
    body = urlencode(form or {}).encode() if method == "POST" else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        "User-Agent: comptoir-flash-bench",
        "Accept: text/html",
        "Accept-Language: en",
        "Connection: close",
    ]
    if jar.cookies:
        lines.append(f"Cookie: {jar.header()}")
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def fetch(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    jar: Jar,
    form: dict[str, str] | None = None,
    timeout: float = 10.0,
    source: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a fresh connection (from the loopback address `source`), bounded by `timeout`; the jar
    takes the cookies set."""

    async def exchange() -> bytes:
        local = (source, 0) if source else None
        reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        try:
            writer.write(build_request(method, path, host=f"{host}:{port}", jar=jar, form=form, headers=headers))
            return await reader.read()
        finally:
            writer.close()

    response = parse_response(await asyncio.wait_for(exchange(), timeout))
    jar.update(response.cookies)
    return response
