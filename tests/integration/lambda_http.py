"""Raw HTTP/1.1 + MCP helpers for the Lambda-mode integration tests.

A tiny socket client (not http.client) so a test can timestamp every chunk of a
streamed body and tell a properly terminated chunked body (last chunk seen)
from one that broke off. Stdlib only; loopback only; every wait is bounded.
"""
import json
import pathlib
import socket
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/doubles"))

import lambda_double  # noqa: E402,F401  (re-exported for the tests)

HOST = "127.0.0.1"
LEGACY_VERSION = "2025-11-25"
MODERN_VERSION = "2026-07-28"
ACCEPT = "application/json, text/event-stream"


class Response:
    def __init__(self):
        self.status = None
        self.reason = ""
        self.headers = []          # [(name, value)] in order
        self.chunks = []           # [(seconds since the request was sent, bytes)]
        self.complete = False      # body ended as framed (last chunk / Content-Length / EOF for close-delimited)
        self.chunked = False
        self.error = None          # why the body broke off
        self.sent_at = None

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def body(self):
        return b"".join(c for _, c in self.chunks)

    def json(self):
        return json.loads(self.body)

    def sse_events(self):
        """[(seconds, parsed JSON)] for every SSE event with data; the time is the arrival of its last byte."""
        out, buf = [], b""
        for t, chunk in self.chunks:
            buf += chunk.replace(b"\r\n", b"\n")
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                data = b"\n".join(line[5:].lstrip() for line in block.split(b"\n") if line.startswith(b"data:"))
                if data:
                    try:
                        out.append((t, json.loads(data)))
                    except ValueError:
                        out.append((t, {"_raw": data.decode("utf-8", "replace")}))
        return out

    def messages(self):
        """JSON-RPC messages of the body, SSE or JSON."""
        ctype = (self.header("Content-Type") or "").lower()
        if ctype.startswith("text/event-stream"):
            return [m for _, m in self.sse_events()]
        if not self.body:
            return []
        return [json.loads(self.body)]

    def rpc_result(self):
        """The first JSON-RPC response in the body (a dict with result or error), else None."""
        for m in self.messages():
            if isinstance(m, dict) and ("result" in m or "error" in m) and "method" not in m:
                return m
        return None

    def describe(self):
        return (f"HTTP {self.status} {self.reason} complete={self.complete} error={self.error} "
                f"headers={self.headers} body={self.body[:600]!r}")


def request(port, method, path, headers=None, body=b"", timeout=30.0, host_header=None, raw_headers=None):
    """One request on a fresh connection (Connection: close); returns a Response."""
    if isinstance(body, str):
        body = body.encode()
    resp = Response()
    hdrs = [("Host", host_header or f"{HOST}:{port}")]
    if body or method in ("POST", "PUT", "PATCH"):
        hdrs.append(("Content-Length", str(len(body))))
    hdrs.append(("Connection", "close"))
    for k, v in (headers or {}).items():
        hdrs.append((k, v))
    for k, v in (raw_headers or []):
        hdrs.append((k, v))
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        sock.sendall((f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n")
                     .encode("latin-1") + body)
        resp.sent_at = time.monotonic()
        f = sock.makefile("rb")

        def left():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("response not finished within the timeout")
            sock.settimeout(remaining)

        def read_exact(n):
            """n bytes, or fewer when the peer closed first."""
            data = b""
            while len(data) < n:
                left()
                more = f.read1(n - len(data))
                if not more:
                    break
                data += more
            return data

        left()
        line = f.readline(65537)
        if not line:
            resp.error = "connection closed before a status line"
            return resp
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        resp.status = int(parts[1])
        resp.reason = parts[2] if len(parts) > 2 else ""
        while True:
            left()
            h = f.readline(65537)
            if h in (b"\r\n", b""):
                break
            k, _, v = h.decode("latin-1").rstrip("\r\n").partition(":")
            resp.headers.append((k.strip(), v.strip()))
        if method == "HEAD" or resp.status in (204, 304) or resp.status < 200:
            resp.complete = True
            return resp
        te = (resp.header("Transfer-Encoding") or "").lower()
        if te == "chunked":
            resp.chunked = True
            while True:
                left()
                size_line = f.readline(1024)
                if not size_line:
                    resp.error = "connection closed before the last chunk"
                    return resp
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:  # trailers
                        left()
                        t = f.readline(65537)
                        if t in (b"\r\n", b""):
                            break
                    resp.complete = True
                    return resp
                data = read_exact(size)
                if len(data) < size:
                    resp.error = "connection closed inside a chunk"
                    return resp
                resp.chunks.append((time.monotonic() - resp.sent_at, data))
                f.read(2)
        length = resp.header("Content-Length")
        if length is not None:
            n = int(length)
            data = read_exact(n)
            if len(data) < n:
                resp.error = "connection closed before Content-Length bytes"
            resp.chunks.append((time.monotonic() - resp.sent_at, data))
            resp.complete = len(data) == n
            return resp
        while True:  # close-delimited
            left()
            more = f.read1(65536)
            if not more:
                resp.complete = True
                return resp
            resp.chunks.append((time.monotonic() - resp.sent_at, more))
    except (ConnectionResetError, BrokenPipeError) as exc:
        resp.error = f"connection reset: {exc}"
        return resp
    except (TimeoutError, socket.timeout) as exc:
        resp.error = f"timeout: {exc}"
        return resp
    finally:
        sock.close()


class McpSession:
    """Legacy (2025-era) session or modern stateless requests over the double's front."""

    def __init__(self, port, path, version=LEGACY_VERSION, timeout=30.0):
        self.port = port
        self.path = path
        self.version = version
        self.session_id = None
        self.timeout = timeout
        self.next_id = 1

    @property
    def modern(self):
        return self.version >= MODERN_VERSION

    def post(self, message, extra_headers=None, timeout=None):
        headers = {"Content-Type": "application/json", "Accept": ACCEPT}
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.session_id or self.modern:
            headers["MCP-Protocol-Version"] = self.version
        if self.modern and "method" in message:
            headers["Mcp-Method"] = message["method"]
            if message["method"] == "tools/call":
                headers["Mcp-Name"] = message["params"]["name"]
        headers.update(extra_headers or {})
        return request(self.port, "POST", self.path, headers, json.dumps(message), timeout or self.timeout)

    def call(self, method, params=None, extra_headers=None, timeout=None):
        params = dict(params or {})
        if self.modern:
            params["_meta"] = dict(params.get("_meta", {}), **{
                "io.modelcontextprotocol/protocolVersion": self.version,
                "io.modelcontextprotocol/clientInfo": {"name": "lambda-test", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {}})
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.next_id += 1
        return self.post(msg, extra_headers, timeout)

    def initialize(self):
        resp = self.call("initialize", {"protocolVersion": self.version, "capabilities": {},
                                        "clientInfo": {"name": "lambda-test", "version": "1"}})
        self.session_id = resp.header("Mcp-Session-Id")
        if resp.status == 200 and not self.modern:
            self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return resp


def server_bin(bin_dir, name):
    p = pathlib.Path(bin_dir) / name
    return str(p) if p.is_file() and p.stat().st_mode & 0o111 else None
