#!/usr/bin/env python3
"""Hostile and malformed input against one real mcp-server over HTTP.

Usage: bad_input.py <bin-dir>      (bin-dir contains mcp-server)

One mcp-server is started on 127.0.0.1 (random port, MCP_SESSION_SECRET set to
a random 32-character value, --max-body-bytes 65536) and a legacy 2025-11-25
session is created. Then a table of bad requests is sent, each with its exact
expected HTTP status and, where the answer is a JSON-RPC error, the exact
error code. After EVERY case the server must still be alive and answer
tools/call greet {"name":"ok"} on the session with 200 / "Hello, ok!".

Notes on a few cases:
  * The body limit is 64 KiB, so the "deeply nested" bodies use 60000 '['
    (unbalanced: -32700) and 30000 '[' + 30000 ']' (balanced: a batch, which a
    2025-11-25 session refuses with -32600); 100000 '[' would be a 413.
  * Invalid UTF-8 inside a JSON string: the JSON parser rejects the body, so
    the observed (and asserted) behaviour is 400 with -32700 (parse error).
  * Stalled clients: only that other requests are served meanwhile is checked,
    not the 10 s header timeout itself.

Prints "ok <name>" or "FAIL <name>: expected ..., got ..." per case and a
final "N passed, M failed"; exits 1 on any failure. If the server dies, the
failure is reported and a fresh server/session is started so that the other
cases still say something. Stdlib only; every socket has a timeout; the whole
run is bounded by a 60 s budget.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import threading
import time

from mcp_process import McpServerProcess

HOST = "127.0.0.1"
LEGACY_VERSION = "2025-11-25"
MODERN_VERSION = "2026-07-28"
MAX_BODY = 65536
SOCK_TIMEOUT_S = 5.0
STARTUP_TIMEOUT_S = 10.0
TOTAL_BUDGET_S = 60.0
CASE_BUDGET_S = 55.0  # no new case starts after this
ACCEPT_BOTH = "application/json, text/event-stream"
B64URL = string.ascii_letters + string.digits + "-_"

T0 = time.monotonic()


def elapsed():
    return time.monotonic() - T0


class CaseFailed(Exception):
    pass


# --------------------------------------------------------------- the server


class ServerProc(McpServerProcess):
    """One mcp-server with the limits this table exercises."""

    def __init__(self, binary, secret, label):
        super().__init__(binary, ["--host", HOST, "--port", "0", "--max-body-bytes", str(MAX_BODY),
                                  "--log-level", "info"], secret, label, error=CaseFailed, keep_lines=200)
        self.port = None

    def wait_port(self, timeout=STARTUP_TIMEOUT_S):
        url = self.wait_url(timeout)
        prefix = f"http://{HOST}:"
        if not (url.startswith(prefix) and url.endswith("/mcp")):
            raise CaseFailed(f"{self.label}: unexpected URL {url!r}")
        self.port = int(url[len(prefix):-len("/mcp")])
        return self.port

    def stop(self):
        super().stop(timeout=5)


# ---------------------------------------------------------------- raw HTTP


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (lower-case name, value)
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def short(self):
        text = self.body[:160].decode("utf-8", "replace")
        return f"HTTP {self.status} {text!r}"


def connect(port):
    return socket.create_connection((HOST, port), timeout=SOCK_TIMEOUT_S)


def safe_recv(sock, n=65536):
    try:
        return sock.recv(n)
    except (ConnectionResetError, BrokenPipeError):
        return b""


def read_response(sock):
    """Reads one HTTP response; tolerates the peer closing (or resetting) after it."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = safe_recv(sock)
        if not chunk:
            raise CaseFailed(f"the connection closed without a (complete) response (received {buf[:120]!r})")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise CaseFailed(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = []
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip().lower(), v.strip()))
    resp = Resp(status, headers, b"")
    te = (resp.header("transfer-encoding") or "").lower()
    cl = resp.header("content-length")
    if "chunked" in te:
        body = b""
        data = rest
        while True:
            while b"\r\n" not in data:
                more = safe_recv(sock)
                if not more:
                    raise CaseFailed("connection closed inside a chunked response")
                data += more
            size_line, data = data.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            while len(data) < size + 2:
                more = safe_recv(sock)
                if not more:
                    raise CaseFailed("connection closed inside a chunk")
                data += more
            if size == 0:
                break
            body += data[:size]
            data = data[size + 2:]
        resp.body = body
    elif cl is not None:
        n = int(cl)
        body = rest
        while len(body) < n:
            more = safe_recv(sock)
            if not more:
                raise CaseFailed(f"connection closed after {len(body)} of {n} body bytes")
            body += more
        resp.body = body[:n]
    else:
        body = rest
        while True:
            more = safe_recv(sock)
            if not more:
                break
            body += more
        resp.body = body
    return resp


def build(method, path, headers, body=None, version="HTTP/1.1", host="auto", port=None):
    """Request bytes; Host is 127.0.0.1:port unless host is given (None: no Host header)."""
    lines = [f"{method} {path} {version}"]
    if host == "auto":
        lines.append(f"Host: {HOST}:{port}")
    elif host is not None:
        lines.append(f"Host: {host}")
    names = {k.lower() for k, _ in headers}
    for k, v in headers:
        lines.append(f"{k}: {v}")
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data + (body or b"")


def send_all(sock, data):
    """sendall that tolerates the server closing early (it may answer before reading everything)."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def exchange(port, data):
    with connect(port) as s:
        send_all(s, data)
        return read_response(s)


def want_text(status, code=None):
    return f"HTTP {status}" + (f" with error.code {code}" if code is not None else "")


def answer(sock, status, code=None):
    """read_response, with a failure phrased against the expected answer."""
    try:
        return read_response(sock)
    except CaseFailed as e:
        raise CaseFailed(f"expected {want_text(status, code)}, got {e}")


# ------------------------------------------------------------- expectations


def expect(resp, status, code=None, check=None):
    """Raises CaseFailed unless resp has the status (and JSON-RPC error code)."""
    want = want_text(status, code)
    if resp.status != status:
        raise CaseFailed(f"expected {want}, got {resp.short()}")
    if code is not None:
        j = resp.json()
        got = j.get("error", {}).get("code") if isinstance(j, dict) and isinstance(j.get("error"), dict) else None
        if got != code:
            raise CaseFailed(f"expected {want}, got {resp.short()}")
        if j.get("jsonrpc") != "2.0":
            raise CaseFailed(f"expected a JSON-RPC 2.0 error body, got {resp.short()}")
    if check is not None:
        problem = check(resp)
        if problem:
            raise CaseFailed(f"expected {want} {problem}, got {resp.short()} headers={resp.headers}")


# --------------------------------------------------------------- the state


class State:
    def __init__(self, binary):
        self.binary = binary
        self.secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.server = None
        self.port = None
        self.sid = None
        self.next_id = 100
        self.extra = []  # other processes (second server), always stopped

    def start(self):
        self.server = ServerProc(self.binary, self.secret, "mcp-server")
        self.port = self.server.wait_port()
        self.sid = initialize(self.port)

    def rid(self):
        self.next_id += 1
        return self.next_id

    def session_headers(self, content_type="application/json", accept=ACCEPT_BOTH, version=LEGACY_VERSION,
                        sid="session", extra=()):
        h = []
        if content_type is not None:
            h.append(("Content-Type", content_type))
        if accept is not None:
            h.append(("Accept", accept))
        if version is not None:
            h.append(("MCP-Protocol-Version", version))
        if sid == "session":
            sid = self.sid
        if sid is not None:
            h.append(("Mcp-Session-Id", sid))
        h.extend(extra)
        return h

    def post(self, body, headers, path="/mcp", method="POST", **kw):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return exchange(self.port, build(method, path, headers, body, port=self.port, **kw))

    def tools_list(self):
        return {"jsonrpc": "2.0", "id": self.rid(), "method": "tools/list"}


def initialize(port):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": LEGACY_VERSION, "capabilities": {},
                                  "clientInfo": {"name": "bad-input-test", "version": "1"}}}).encode()
    conn = http.client.HTTPConnection(HOST, port, timeout=SOCK_TIMEOUT_S)
    try:
        conn.request("POST", "/mcp", body, {"Content-Type": "application/json", "Accept": ACCEPT_BOTH})
        r = conn.getresponse()
        data = r.read()
        sid = r.getheader("Mcp-Session-Id")
    finally:
        conn.close()
    if r.status != 200 or not sid:
        raise CaseFailed(f"initialize: expected 200 with Mcp-Session-Id, got HTTP {r.status} {data[:160]!r}")
    reply = json.loads(data)
    if reply.get("result", {}).get("protocolVersion") != LEGACY_VERSION:
        raise CaseFailed(f"initialize negotiated {reply.get('result', {}).get('protocolVersion')!r}")
    # The spec's initialized notification (202 expected).
    conn = http.client.HTTPConnection(HOST, port, timeout=SOCK_TIMEOUT_S)
    try:
        conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                     {"Content-Type": "application/json", "Accept": ACCEPT_BOTH, "Mcp-Session-Id": sid,
                      "MCP-Protocol-Version": LEGACY_VERSION})
        r = conn.getresponse()
        r.read()
    finally:
        conn.close()
    if r.status != 202:
        raise CaseFailed(f"notifications/initialized: expected HTTP 202, got {r.status}")
    return sid


def greet_problem(st):
    """None when the server is alive and answers greet on the session, else what went wrong."""
    if not st.server.alive():
        return f"server process exited: {exit_text(st.server)}"
    body = json.dumps({"jsonrpc": "2.0", "id": st.rid(), "method": "tools/call",
                       "params": {"name": "greet", "arguments": {"name": "ok"}}})
    conn = http.client.HTTPConnection(HOST, st.port, timeout=SOCK_TIMEOUT_S)
    try:
        conn.request("POST", "/mcp", body, {"Content-Type": "application/json", "Accept": ACCEPT_BOTH,
                                            "Mcp-Session-Id": st.sid, "MCP-Protocol-Version": LEGACY_VERSION})
        r = conn.getresponse()
        data = r.read()
        ctype = r.getheader("Content-Type") or ""
    except (OSError, http.client.HTTPException) as e:
        try:
            st.server.proc.wait(timeout=1.0)  # a dying server: report how it ended
            return f"server process exited: {exit_text(st.server)}"
        except subprocess.TimeoutExpired:
            return f"greet request failed: {type(e).__name__}: {e}"
    finally:
        conn.close()
    if r.status != 200:
        return f"greet: HTTP {r.status} {data[:160]!r}"
    msg = None
    try:
        if ctype.startswith("text/event-stream"):
            for line in data.decode("utf-8").splitlines():
                if line.startswith("data:") and '"result"' in line:
                    msg = json.loads(line[5:])
        else:
            msg = json.loads(data)
        text = msg["result"]["content"][0]["text"]
    except (ValueError, KeyError, IndexError, TypeError):
        return f"greet: unexpected body {data[:160]!r}"
    if text != "Hello, ok!":
        return f"greet: text {text!r}"
    if not st.server.alive():
        return f"server process exited: {exit_text(st.server)}"
    return None


def exit_text(server):
    rc = server.proc.returncode
    if rc is not None and rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}" + (f" (stderr: {server.tail()})" if server.tail() else "")


# ------------------------------------------------------------------- cases

CASES = []


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn
    return register


def modern_body(method, params_extra=None, meta=None, rid=9):
    if meta is None:
        meta = {"io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
                "io.modelcontextprotocol/clientCapabilities": {}}
    params = dict(params_extra or {})
    params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def modern_headers(version=MODERN_VERSION, method=None):
    h = [("Content-Type", "application/json"), ("Accept", ACCEPT_BOTH)]
    if version is not None:
        h.append(("MCP-Protocol-Version", version))
    if method is not None:
        h.append(("Mcp-Method", method))
    return h


@case("malformed_json")
def _(st):
    expect(st.post("{oops", st.session_headers()), 400, -32700)


@case("envelope_jsonrpc_1_0")
def _(st):
    expect(st.post({"jsonrpc": "1.0", "id": 1, "method": "tools/list"}, st.session_headers()), 400, -32600)


@case("envelope_null_id")
def _(st):
    expect(st.post('{"jsonrpc":"2.0","id":null,"method":"tools/list"}', st.session_headers()), 400, -32600)


@case("envelope_float_id")
def _(st):
    expect(st.post('{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}', st.session_headers()), 400, -32600)


@case("envelope_params_number")
def _(st):
    expect(st.post('{"jsonrpc":"2.0","id":3,"method":"tools/list","params":42}', st.session_headers()), 400, -32600)


@case("body_over_limit_content_length")
def _(st):
    # Announce 100000 bytes, send only the first 4 KiB: the answer must come
    # from the header alone.
    head = build("POST", "/mcp", st.session_headers(extra=[("Content-Length", "100000")]), b"", port=st.port)
    with connect(st.port) as s:
        send_all(s, head + b" " * 4096)
        expect(answer(s, 413, -32000), 413, -32000)


@case("body_over_limit_chunked")
def _(st):
    head = build("POST", "/mcp", st.session_headers(extra=[("Transfer-Encoding", "chunked")]), b"", port=st.port)
    chunk = b" " * 8192
    payload = head + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 10 + b"0\r\n\r\n"  # 80 KiB > 64 KiB
    with connect(st.port) as s:
        send_all(s, payload)
        expect(answer(s, 413, -32000), 413, -32000)


@case("header_too_large_64k")
def _(st):
    data = build("POST", "/mcp", st.session_headers(extra=[("X-Big", "a" * 65536)]),
                 json.dumps(st.tools_list()).encode(), port=st.port)
    with connect(st.port) as s:
        send_all(s, data)
        expect(answer(s, 431, -32000), 431, -32000)


@case("content_type_text_plain")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(content_type="text/plain")), 415, -32000)


@case("content_type_missing")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(content_type=None)), 415, -32000)


@case("accept_without_event_stream")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(accept="application/json")), 406, -32000)


@case("accept_without_json")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(accept="text/event-stream")), 406, -32000)


@case("get_without_event_stream_accept")
def _(st):
    h = [("Accept", "application/json"), ("Mcp-Session-Id", st.sid), ("MCP-Protocol-Version", LEGACY_VERSION)]
    expect(exchange(st.port, build("GET", "/mcp", h, port=st.port)), 406, -32000)


@case("protocol_version_header_1999")
def _(st):
    def supported(resp):
        data = resp.json()["error"].get("data")
        sup = data.get("supported") if isinstance(data, dict) else None
        if not (isinstance(sup, list) and sup and LEGACY_VERSION in sup):
            return f"and error.data.supported a list containing {LEGACY_VERSION}"
        return None
    expect(st.post(st.tools_list(), st.session_headers(version="1999-01-01")), 400, -32022, supported)


@case("missing_session_id")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(sid=None)), 400, -32000)


@case("forged_session_random_70")
def _(st):
    forged = "".join(secrets.choice(B64URL) for _ in range(70))
    expect(st.post(st.tools_list(), st.session_headers(sid=forged)), 404, -32001)


@case("forged_session_one_char_flipped")
def _(st):
    i = len(st.sid) // 2  # a middle character: all 6 of its bits are significant
    c = st.sid[i]
    flipped = st.sid[:i] + ("B" if c == "A" else "A") + st.sid[i + 1:]
    expect(st.post(st.tools_list(), st.session_headers(sid=flipped)), 404, -32001)


@case("session_from_other_secret")
def _(st):
    other_secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    other = ServerProc(st.binary, other_secret, "second mcp-server")
    st.extra.append(other)
    try:
        foreign = initialize(other.wait_port())
    finally:
        other.stop()
    expect(st.post(st.tools_list(), st.session_headers(sid=foreign)), 404, -32001)


@case("origin_evil")
def _(st):
    h = st.session_headers(extra=[("Origin", "http://evil.example.com")])
    expect(st.post(st.tools_list(), h), 403, -32000)


@case("host_evil")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(), host="evil.example.com"), 403, -32000)


@case("host_missing_http_1_0")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(), host=None, version="HTTP/1.0"), 403, -32000)


def allow_header(resp):
    allow = resp.header("allow")
    return None if allow and "POST" in allow else "and an Allow header listing POST"


@case("put_mcp")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(), method="PUT"), 405, -32000, allow_header)


@case("patch_mcp")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(), method="PATCH"), 405, -32000, allow_header)


@case("unknown_path")
def _(st):
    expect(st.post(st.tools_list(), st.session_headers(), path="/not-mcp"), 404)


@case("modern_missing_protocol_version_header")
def _(st):
    expect(st.post(modern_body("tools/list"), modern_headers(version=None, method="tools/list")), 400, -32020)


@case("modern_mcp_method_mismatch")
def _(st):
    expect(st.post(modern_body("tools/list"), modern_headers(method="prompts/list")), 400, -32020)


@case("modern_unknown_method")
def _(st):
    expect(st.post(modern_body("nosuch/method"), modern_headers(method="nosuch/method")), 404, -32601)


@case("modern_missing_client_capabilities")
def _(st):
    body = modern_body("tools/list", meta={"io.modelcontextprotocol/protocolVersion": MODERN_VERSION})
    expect(st.post(body, modern_headers(method="tools/list")), 400, -32602)


@case("modern_unsupported_meta_version_legacy")
def _(st):
    # A known but non-2026 version in _meta, repeated in the header.
    body = modern_body("tools/list", meta={"io.modelcontextprotocol/protocolVersion": LEGACY_VERSION,
                                           "io.modelcontextprotocol/clientCapabilities": {}})
    expect(st.post(body, modern_headers(version=LEGACY_VERSION, method="tools/list")), 400, -32022)


@case("modern_unsupported_meta_version_unknown")
def _(st):
    body = modern_body("tools/list", meta={"io.modelcontextprotocol/protocolVersion": "2099-01-01",
                                           "io.modelcontextprotocol/clientCapabilities": {}})
    expect(st.post(body, modern_headers(version="2099-01-01", method="tools/list")), 400, -32022)


@case("batch_with_initialize")
def _(st):
    body = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                        "clientInfo": {"name": "t", "version": "1"}}}]
    expect(st.post(body, st.session_headers(sid=None, version=None)), 400, -32600)


@case("batch_on_2025_11_25_session")
def _(st):
    body = [st.tools_list(), {"jsonrpc": "2.0", "id": st.rid(), "method": "ping"}]
    expect(st.post(body, st.session_headers()), 400, -32600)


@case("invalid_utf8_in_json_string")
def _(st):
    # Observed and asserted: the JSON parser refuses the bytes -> 400 / -32700.
    body = (b'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"greet",'
            b'"arguments":{"name":"ok\xff\xfe\xc3\x28\xed\xa0\x80"}}}')
    expect(st.post(body, st.session_headers()), 400, -32700)


@case("stalled_clients_do_not_block_others")
def _(st):
    silent = connect(st.port)
    half = connect(st.port)
    try:
        send_all(half, f"POST /mcp HTTP/1.1\r\nHost: {HOST}:{st.port}\r\nContent-Ty".encode())
        time.sleep(0.2)
        for i in range(3):
            t = time.monotonic()
            problem = greet_problem(st)
            took = time.monotonic() - t
            if problem:
                raise CaseFailed(f"expected greet to be served while 2 clients stall, got {problem}")
            if took > 2.0:
                raise CaseFailed(f"expected greet served within 2 s while 2 clients stall, got {took:.1f} s")
        for s, what in ((silent, "silent"), (half, "half-header")):
            s.settimeout(0.05)
            try:
                early = s.recv(1024)
                if early:
                    raise CaseFailed(f"expected no answer yet to the {what} client, got {early[:80]!r}")
            except socket.timeout:
                pass
            except (ConnectionResetError, BrokenPipeError):
                pass
    finally:
        silent.close()
        half.close()


@case("deeply_nested_unbalanced_60000")
def _(st):
    expect(st.post(b"[" * 60000, st.session_headers()), 400, -32700)


@case("deeply_nested_balanced_30000")
def _(st):
    # Valid JSON, but nested far beyond the server's limit (128 levels): it is
    # refused as a parse error before any DOM is built.
    expect(st.post(b"[" * 30000 + b"]" * 30000, st.session_headers()), 400, -32700)


@case("deeply_nested_params_20000")
def _(st):
    # A well-formed request whose params hold a 20000-deep array (40 KB, under
    # the body limit). The exact error code is not pinned (a nesting limit may
    # report it as a parse error or an invalid request), only a 400 JSON-RPC
    # error and a live server.
    body = (b'{"jsonrpc":"2.0","id":11,"method":"tools/list","params":{"x":' + b"[" * 20000 + b"]" * 20000 + b"}}")

    def rpc_error(resp):
        j = resp.json()
        ok = isinstance(j, dict) and isinstance(j.get("error"), dict) and isinstance(j["error"].get("code"), int)
        return None if ok else "and a JSON-RPC error body"
    try:
        resp = st.post(body, st.session_headers())
    except CaseFailed as e:
        raise CaseFailed(f"expected HTTP 400 with a JSON-RPC error body, got {e}")
    expect(resp, 400, None, rpc_error)


@case("rapid_connections_1000")
def _(st):
    import struct
    linger_rst = struct.pack("ii", 1, 0)
    for i in range(1000):
        s = connect(st.port)
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_rst)  # close with RST
        s.close()
    if not st.server.alive():
        raise CaseFailed(f"expected the server alive after 1000 empty connections, got {exit_text(st.server)}")


# -------------------------------------------------------------------- main


def main():
    if len(sys.argv) != 2:
        print("usage: bad_input.py <bin-dir>", file=sys.stderr)
        return 2
    binary = os.path.join(sys.argv[1], "mcp-server")
    if not os.path.exists(binary):  # the binary may be briefly missing during a rebuild
        for _ in range(20):
            time.sleep(0.5)
            if os.path.exists(binary):
                break
    if not os.access(binary, os.X_OK):
        print(f"FAIL setup: expected an executable {binary}, got none")
        print("0 passed, 1 failed")
        return 1

    st = State(binary)
    passed = failed = 0
    hard_stop = threading.Timer(TOTAL_BUDGET_S - 1, lambda: (print("FAIL budget: expected the run to end within "
                                                                     f"{TOTAL_BUDGET_S:.0f} s, got more",
                                                                     flush=True), cleanup(st), os._exit(1)))
    hard_stop.daemon = True
    hard_stop.start()
    try:
        try:
            st.start()
        except (CaseFailed, OSError, ValueError) as e:
            print(f"FAIL setup: expected a server with a {LEGACY_VERSION} session, got {e}")
            print("0 passed, 1 failed")
            return 1
        for name, fn in CASES:
            if elapsed() > CASE_BUDGET_S:
                print(f"FAIL {name}: expected to run within the {TOTAL_BUDGET_S:.0f} s budget, got skipped")
                failed += 1
                continue
            problem = None
            try:
                fn(st)
            except CaseFailed as e:
                problem = str(e)
                if not problem.startswith("expected"):
                    problem = f"expected an HTTP answer, got {problem}"
            except (OSError, http.client.HTTPException) as e:
                problem = f"expected an HTTP answer, got {type(e).__name__}: {e}"
            after = greet_problem(st)
            if after:
                problem = (problem + "; and then " if problem else "") + \
                    f"expected server still serving greet afterwards, got {after}"
            if problem:
                failed += 1
                print(f"FAIL {name}: {problem}", flush=True)
            else:
                passed += 1
                print(f"ok {name}", flush=True)
            if not st.server.alive() or after:
                # Keep the remaining cases meaningful: a fresh server and session.
                st.server.stop()
                try:
                    st.start()
                except (CaseFailed, OSError, ValueError) as e:
                    print(f"FAIL restart: expected a fresh server after {name}, got {e}")
                    failed += 1
                    break
    finally:
        hard_stop.cancel()
        cleanup(st)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def cleanup(st):
    for p in st.extra:
        p.stop()
    if st.server is not None:
        st.server.stop()


if __name__ == "__main__":
    sys.exit(main())
