"""The pack's PDF loads only the portal's own static files and the charts it draws itself: text in a pack can never
make the server read a local file or reach a network address (issue 15)."""

from __future__ import annotations

import socket
import threading

import pytest
from django.template import engines

from scrutiny.packs import files


@pytest.fixture
def listener():
    """A TCP port on 127.0.0.1 that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(1)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(1)
    server.close()


def _render(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=f"{files.PDF_ORIGIN}/", url_fetcher=files.pdf_url_fetcher()).write_pdf()


def test_it_refuses_local_files_and_network_addresses_and_says_which(listener):
    port, hits = listener
    fetcher = files.pdf_url_fetcher()
    for url in (
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/x.png",
        f"https://127.0.0.1:{port}/x.css",
        "https://pack.invalid/media/packs/secret.pdf",
        "https://pack.invalid/static/../../settings.py",
        "data:text/html;base64,PHNjcmlwdD4=",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert hits == []


def test_a_pack_whose_text_names_local_files_and_addresses_renders_without_reaching_them(listener, tmp_path):
    port, hits = listener
    html = (
        "<html><head>"
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        f"<style>@import url(http://127.0.0.1:{port}/i.css); body {{ background: url(file:///etc/hostname) }}</style>"
        "</head><body><p>Evidence</p>"
        '<img src="file:///etc/passwd" alt="">'
        f'<img src="http://127.0.0.1:{port}/pixel.png" alt="">'
        '<object data="file:///etc/passwd"></object>'
        '<iframe src="file:///etc/passwd"></iframe>'
        "</body></html>"
    )
    pdf = _render(html)
    assert pdf.startswith(b"%PDF-")
    assert hits == []  # nothing connected to the address
    assert b"root:" not in pdf  # /etc/passwd's first line never reached the file


def test_it_still_loads_the_apps_own_static_files_and_the_packs_charts():
    fetcher = files.pdf_url_fetcher()
    css = fetcher.fetch(f"{files.PDF_ORIGIN}/static/css/print.css")
    assert css.content_type == "text/css" and css.read()
    png = (
        "data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    assert fetcher.fetch(png).read().startswith(b"\x89PNG")


def test_a_static_link_in_a_template_resolves_to_the_static_file():
    html = engines["django"].from_string("{% load static %}{% static 'css/print.css' %}").render({})
    path = files.pdf_static_path(f"{files.PDF_ORIGIN}{html}")
    assert path.endswith("print.css")
