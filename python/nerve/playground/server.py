"""The Playground's local web server: the page and its assets (all in the package, nothing from
a CDN) and a small JSON API the page polls while it plays. Standard library only.

API (JSON bodies and replies; an error reply is {"error": message} with status 400):
  GET  /api/options   the choices the page offers and the default settings
  GET  /api/state     settings, data points and the current frame
  POST /api/config    changed settings (a partial object); replies with the new state
  POST /api/train     {"ms": 40}: trains for about that long, replies with a frame
  POST /api/step      one epoch; replies with a frame
  POST /api/reset     a fresh network with the same settings; replies with the state
"""

from __future__ import annotations

import json
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .session import Session, SettingsError, options

STATIC = Path(__file__).resolve().parent / "static"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
MAX_BODY = 1 << 16
MAX_TRAIN_MS = 1000


class PlaygroundServer(ThreadingHTTPServer):
    """An HTTP server holding one training Session; requests that touch it take its lock."""

    daemon_threads = True

    def __init__(self, address=("127.0.0.1", 0), settings: dict | None = None):
        self.session = Session(settings)
        self.lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass  # quiet: the page polls many times a second

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, obj, status: int = 200) -> None:
        self._send(status, json.dumps(obj, allow_nan=False).encode(), "application/json")

    def _error(self, message: str, status: int = 400) -> None:
        self._json({"error": message}, status)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/":
            path = "/static/index.html"
        if path.startswith("/static/"):
            return self._static(path[len("/static/") :])
        if path == "/api/options":
            return self._json(options())
        if path == "/api/state":
            return self._api(lambda s, body: s.state())
        self._error(f"no such page: {path}", 404)

    def do_POST(self):  # noqa: N802
        path = self.path.split("?", 1)[0]
        handlers = {
            "/api/config": self._config,
            "/api/train": self._train,
            "/api/step": self._step,
            "/api/reset": self._reset,
        }
        if path not in handlers:
            return self._error(f"no such API call: {path}", 404)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error("Content-Length is not a number")
        if not 0 <= length <= MAX_BODY:
            return self._error(f"request body too large ({length} bytes)", 413)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError as e:
            return self._error(f"the request body is not JSON: {e}")
        if not isinstance(body, dict):
            return self._error("the request body must be a JSON object")
        self._api(handlers[path], body)

    def _api(self, handler, body=None) -> None:
        """Runs handler(session, body) under the session lock; a SettingsError becomes a 400
        reply with its message, any other failure a 500 with the exception's message, and
        the server goes on serving either way."""
        try:
            with self.server.lock:
                result = handler(self.server.session, body)
        except SettingsError as e:
            return self._error(str(e))
        except Exception as e:  # the page shows it; the server keeps serving
            traceback.print_exc()
            return self._error(f"{type(e).__name__}: {e}", 500)
        self._json(result)

    @staticmethod
    def _config(session, body):
        session.configure(body)
        return session.state()

    @staticmethod
    def _train(session, body):
        ms = body.get("ms", 40)
        if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 < ms <= MAX_TRAIN_MS:
            raise SettingsError(f"ms must be a number above 0 and up to {MAX_TRAIN_MS}, got {ms!r}")
        session.train_for(ms / 1000.0)
        return session.frame()

    @staticmethod
    def _step(session, body):
        session.train(1)
        return session.frame()

    @staticmethod
    def _reset(session, body):
        session.reset()
        return session.state()

    def _static(self, name: str) -> None:
        # Only files that sit directly in static/: no "..", no subfolders.
        target = STATIC / name
        if "/" in name or "\\" in name or name.startswith(".") or not target.is_file():
            return self._error(f"no such file: {name}", 404)
        content_type = _TYPES.get(target.suffix, "application/octet-stream")
        self._send(200, target.read_bytes(), content_type)


def serve(host: str = "127.0.0.1", port: int = 8765, settings: dict | None = None):
    """A PlaygroundServer bound to host:port (port 0: any free port); call serve_forever()."""
    return PlaygroundServer((host, port), settings)
