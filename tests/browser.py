"""Driving the built site in a real Chromium: shared by the browser tests and the bench.

Not part of the site's data flow; a development tool. Playwright is a test-only
dependency, so it is imported inside the functions that need it.

* :func:`find_chromium` looks in ``CHROME_PATH``, then Playwright's own browser,
  then Debian's ``/usr/bin/chromium``.
* :class:`SiteServer` serves a directory on 127.0.0.1 (a free port).
* :func:`launch` starts Chromium headless with its background traffic shut off.
* :func:`watch` makes a page abort every request that is not to 127.0.0.1 or a
  local file, and records console errors, page errors and blocked or failed
  requests, so a test can assert that all of them are empty.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DEBIAN_CHROMIUM = "/usr/bin/chromium"
HOW_TO_GET_ONE = (
    "no Chromium found: set CHROME_PATH, or install Debian's package "
    "(`apt-get update && apt-get install -y chromium`)"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    # Keep Chromium's own background traffic off the network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def find_chromium() -> str | None:
    """Path of a Chromium to drive, or None."""
    env = os.environ.get("CHROME_PATH")
    if env and Path(env).is_file():
        return env
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.executable_path
        if own and Path(own).is_file():
            return own
    except Exception:  # no playwright browser downloaded: fine, look further
        pass
    if Path(DEBIAN_CHROMIUM).is_file():
        return DEBIAN_CHROMIUM
    return shutil.which("chromium")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class SiteServer:
    """Serve ``root`` on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, root: Path | str):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def launch(playwright, executable: str | None = None):
    """Headless Chromium with background networking off."""
    executable = executable or find_chromium()
    if executable is None:
        raise RuntimeError(HOW_TO_GET_ONE)
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("file", "data", "blob", "about"):
        return True
    return parsed.hostname in LOCAL_HOSTS


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"blocked (not local): {u}" for u in self.blocked]
            + [f"failed request: {u}" for u in self.failed]
        )


def watch(page) -> PageLog:
    """Abort non-local requests on ``page`` and record everything that went wrong."""
    log = PageLog()

    def route(r):
        url = r.request.url
        if is_local(url):
            r.continue_()
        else:
            log.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: log.requests.append(req.url))
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))

    def failed(req):
        # A request the browser itself cancelled (the page moved on, a lazy favicon
        # fetch outlived a test's actions) is not the site failing; a refused or
        # missing file is, and so is any HTTP error status (below).
        if req.url in log.blocked or "ERR_ABORTED" in (req.failure or ""):
            return
        log.failed.append(f"{req.url} ({req.failure})")

    page.on("requestfailed", failed)
    page.on("response", lambda r: log.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    return log


# --------------------------------------------------------------------------- gzip

# What a static host compresses: text. Fonts (woff2) and images are compressed
# already and go out as they are.
GZIP_SUFFIXES = (".html", ".htm", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".xml", ".map")
GZIP_LEVEL = 6  # nginx's gzip_comp_level is 1-9; 6 is gzip's own default


def accepts_gzip(header: str | None) -> bool:
    """True if an Accept-Encoding header allows gzip (``gzip`` or ``*``, q > 0)."""
    allowed = {}
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.strip():
            allowed[name.strip().lower()] = q
    return allowed.get("gzip", allowed.get("*", 0.0)) > 0


class _GzipHandler(_QuietHandler):
    """Serve text files gzip-compressed to clients that accept it, as a static host does."""

    _cache: dict = {}
    _lock = threading.Lock()

    def _compressed(self, path: str) -> bytes:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        with self._lock:
            body = self._cache.get(key)
        if body is None:
            import gzip

            with open(path, "rb") as f:
                body = gzip.compress(f.read(), compresslevel=GZIP_LEVEL, mtime=0)
            with self._lock:
                self._cache[key] = body
        return body

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].split("#", 1)[0].endswith("/"):
            index = os.path.join(path, "index.html")
            if os.path.isfile(index):
                path = index
        if not (os.path.isfile(path) and path.lower().endswith(GZIP_SUFFIXES)
                and accepts_gzip(self.headers.get("Accept-Encoding"))):
            return super().send_head()  # as is: fonts, images, directories, 404s
        import io

        try:
            body = self._compressed(path)
        except OSError:
            self.send_error(404, "File not found")
            return None
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(int(os.stat(path).st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


class GzipSiteServer(SiteServer):
    """:class:`SiteServer` that gzips text responses (html, js, css, json, svg, ...)
    for requests with ``Accept-Encoding: gzip``, with the right ``Content-Encoding``
    and ``Content-Length``; woff2, png and other files go out as they are."""

    def __init__(self, root: Path | str):
        super().__init__(root)
        self.httpd.RequestHandlerClass = functools.partial(_GzipHandler, directory=str(root))
