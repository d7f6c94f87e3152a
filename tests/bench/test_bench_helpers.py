"""The benchmark's own helpers: the load generator stays on loopback and counts what it sees; the report
keeps the rows of databases that were not measured again."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.loadgen import assert_loopback, run_load
from bench.report import END, START, update_document


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if self.path == "/ok" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("url", ["http://10.0.0.5/", "http://192.168.1.2:8000/", "https://example.com/"])
def test_the_load_generator_refuses_any_host_off_the_loopback_interface(url):
    with pytest.raises(ValueError, match="only loopback"):
        assert_loopback(url)

    with pytest.raises(ValueError, match="only loopback"):
        run_load([url], connections=1, seconds=0.1)


def test_the_load_generator_counts_requests_latencies_and_non_200_answers_as_errors(local_server):
    result = run_load([f"{local_server}/ok", f"{local_server}/missing"], connections=4, seconds=0.5)

    assert result.requests > 10
    assert len(result.latencies_ms) == result.requests
    assert result.errors == result.error_kinds["HTTP 404"]
    assert result.requests / 2 - 4 <= result.errors <= result.requests / 2 + 4  # URLs are taken in turn
    assert 0 < result.p50_ms <= result.p99_ms


def _row(page, db, req_s):
    return {"page": page, "db": db, "req_s": req_s, "p50_ms": 10, "p99_ms": 20, "errors": 0, "queries": 5,
            "work_ms": 4.2}  # fmt: skip


def _run(db):
    return {"date": "2026-01-01", "load_before": 0.1, "workers": 2, "connections": 32, "duration": 15, "warmup": 3,
            "client_cpu": 0.2, "database": {"vendor": db, "version": "1", "django": "6.1", "products": 10,
                                            "categories": 2},
            "machine": {"cores": "2", "cpu": "CPU", "ram": "1 GiB", "os": "Linux", "python": "3.13"}}  # fmt: skip


def test_a_new_run_replaces_its_databases_rows_keeps_the_others_and_the_prose(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nBefore.\n\n{START}\nold\n{END}\n\nAfter.\n")
    update_document(doc, rows=[_row("product", "sqlite", 100), _row("product", "postgresql", 200)],
                    runs={"sqlite": _run("sqlite"), "postgresql": _run("postgresql")})  # fmt: skip

    update_document(doc, rows=[_row("product", "sqlite", 450)], runs={"sqlite": _run("sqlite")})

    text = doc.read_text()
    assert text.startswith("# Performance\n\nBefore.\n\n") and text.endswith("\n\nAfter.\n")
    assert "| product | sqlite | 450 | ≥ 400: met |" in text
    assert "| product | postgresql | 200 | ≥ 400: **missed** |" in text
    assert "| 100 |" not in text and "old" not in text


def test_the_load_generator_percent_encodes_a_search_word_with_an_accent():
    from bench.loadgen import _request

    _host, _port, head = _request("http://127.0.0.1:8000/fr/search/?q=thé")

    assert head.startswith(b"GET /fr/search/?q=th%C3%A9 HTTP/1.1")
