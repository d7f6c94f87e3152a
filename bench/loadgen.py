"""A bounded HTTP load generator for loopback benchmarks (plain asyncio streams).

`run_load()` keeps `connections` requests in flight against a list of URLs for a fixed time and returns
throughput, latency percentiles and errors. It refuses any host that is not on the loopback interface:
a benchmark here only ever talks to a server this machine started.

It speaks just enough HTTP/1.1 for that — a GET with `Connection: close`, read to the end, status line and
Content-Length checked — because it shares the machine's cores with the server it measures: httpx costs
about 3 ms of CPU per request here (a whole core at 300 requests/s), this about a tenth of that.
gunicorn's sync workers close every connection anyway, so nothing is lost by not keeping them alive.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit


class BadResponseError(Exception):
    """The server's answer was not a complete HTTP response."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    errors: int
    error_kinds: dict[str, int]
    client_cpu_seconds: float

    @property
    def req_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency percentile in ms (nearest rank), 0.0 when nothing completed."""
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[rank]

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95_ms(self) -> float:
        return self.percentile(95)

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)


def assert_loopback(url: str) -> None:
    """Raise ValueError unless `url` points at this machine's loopback interface."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"refusing to send load to {host!r}: only loopback addresses are allowed")


def _request(url: str) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    path = quote(path, safe="/?=&%:+-._~")  # a search word with an accent ("thé") must go out percent-encoded
    head = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: comptoir-bench\r\n"
        "Accept: text/html\r\nAccept-Language: fr\r\nConnection: close\r\n\r\n"
    )
    return parts.hostname or "127.0.0.1", parts.port or 80, head.encode("ascii")


async def _get(host: str, port: int, request: bytes) -> int:
    """Send one request, read the whole answer, return its status; BadResponseError if it is cut short."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        answer = await reader.read()  # to the end: the server closes after answering
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise BadResponseError("no status line") from exc
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(body):
            raise BadResponseError("body shorter than Content-Length")
    return status


async def _drive(urls: list[str], *, connections: int, seconds: float, timeout: float) -> LoadResult:
    for url in urls:
        assert_loopback(url)
    # One shared cycle: workers take URLs in turn, so every sampled URL is hit about equally often.
    next_request = itertools.cycle([_request(url) for url in urls]).__next__
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    cpu_before = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            host, port, request = next_request()
            sent = time.perf_counter()
            try:
                status = await asyncio.wait_for(_get(host, port, request), timeout)
            except (OSError, TimeoutError, BadResponseError) as exc:
                errors[type(exc).__name__] += 1
                continue
            latencies.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                errors[f"HTTP {status}"] += 1

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        latencies_ms=latencies,
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        client_cpu_seconds=time.process_time() - cpu_before,
    )


def run_load(urls: list[str], *, connections: int = 32, seconds: float = 15.0, timeout: float = 30.0) -> LoadResult:
    """Keep `connections` GETs in flight over `urls` (in turn) for `seconds`; every request is bounded by `timeout`.

    A response other than 200 and a transport failure both count as errors; latencies are those of the
    requests that got a response. Stops by itself: nothing new starts after `seconds`.
    """
    if not urls:
        raise ValueError("no URL to load")
    return asyncio.run(_drive(list(urls), connections=connections, seconds=seconds, timeout=timeout))
