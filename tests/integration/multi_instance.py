#!/usr/bin/env python3
"""Multi-instance integration test: three mcp-server processes behind nginx.

Usage: multi_instance.py <bin-dir>      (bin-dir contains mcp-server)

Numbered checks (the final line reports "N passed, M failed" over them):
  1. three mcp-server instances start on free loopback ports with one shared
     MCP_SESSION_SECRET and each prints its URL;
  2. nginx (foreground child, everything inside a temp dir) round-robins over
     them and answers;
  3. a legacy (2025-11-25) session created through nginx serves 300
     tools/call greet requests, and all three instances served some of them
     (the session moved between instances);
  4. the instance that served initialize is restarted (SIGTERM, exit 0, new
     process on the same port and secret) and 150 more calls succeed, some of
     them on the new process;
  5. DELETE through nginx returns 200 and the instance that handled it then
     answers 404 for that session id;
  6. every process is cleaned up and the whole run stays within 60 s.

Stdlib only; every wait is bounded; everything listens on 127.0.0.1.
"""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
PROTOCOL_VERSION = "2025-11-25"
TOTAL_BUDGET_S = 60.0
STARTUP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 5.0
FIRST_CALLS = 300
SECOND_CALLS = 150
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CHECKS = [
    "1. three mcp-server instances started and printed their URLs",
    "2. nginx started and answers",
    "3. session served by all three instances through nginx (300 calls)",
    "4. initialize instance restarted; 150 more calls succeeded",
    "5. DELETE through nginx 200; deleting instance then answers 404",
    "6. all processes cleaned up within the time budget",
]


class CheckFailed(Exception):
    pass


def require(cond, message):
    if not cond:
        raise CheckFailed(message)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def free_ports(n):
    ports = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


# --------------------------------------------------------------- processes


class ServerProc:
    """One mcp-server process; its stdout is drained by a thread into lines."""

    def __init__(self, binary, port, secret, label):
        self.port = port
        self.label = label
        env = dict(os.environ)
        env["MCP_SESSION_SECRET"] = secret
        env.pop("MCP_PORT", None)
        env.pop("MCP_HOST", None)
        self.proc = subprocess.Popen(
            [binary, "--host", HOST, "--port", str(port), "--log-level", "info"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.lines = []
        self.stderr_lines = []
        self.url = None
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr_lines), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _drain(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._cond:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def records(self):
        """The stdout lines that are JSON objects."""
        with self._cond:
            lines = list(self.lines)
        out = []
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
        return out

    def requests(self, rpc=None, method=None):
        return [
            r for r in self.records()
            if r.get("msg") == "request"
            and (rpc is None or r.get("rpc") == rpc)
            and (method is None or r.get("method") == method)
        ]

    def wait_url(self, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self.lines:
                    first = self.lines[0]
                    try:
                        rec = json.loads(first)
                    except ValueError:
                        raise CheckFailed(f"{self.label}: first stdout line is not JSON: {first!r}")
                    url = rec.get("url") if isinstance(rec, dict) else None
                    require(rec.get("msg") == "listening" and url,
                            f"{self.label}: first stdout line is not the listening line: {first!r}")
                    expected = f"http://{HOST}:{self.port}/mcp"
                    require(url == expected, f"{self.label}: URL {url!r}, expected {expected!r}")
                    self.url = url
                    return url
                if self.proc.poll() is not None:
                    raise CheckFailed(f"{self.label}: exited with {self.proc.returncode} before printing its URL; "
                                      f"stderr: {' | '.join(self.stderr_lines[-5:])}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CheckFailed(f"{self.label}: no URL on stdout within {timeout:.0f} s")
                self._cond.wait(min(left, 0.2))

    def stop(self, timeout=10.0):
        """SIGTERM, bounded wait; returns the exit code or None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                return None
        for t in self._threads:
            t.join(timeout=2)
        return self.proc.returncode


def stop_process(proc, timeout=5.0):
    """Terminates a child; returns True if it had already exited or exited on SIGTERM."""
    if proc is None or proc.poll() is not None:
        return True
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return False


# ------------------------------------------------------------------- nginx


def nginx_config(tmp, listen_port, backend_ports):
    servers = "\n".join(f"        server {HOST}:{p};" for p in backend_ports)
    return f"""# generated by tests/integration/multi_instance.py
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;

events {{
    worker_connections 256;
}}

http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body_temp;
    proxy_temp_path {tmp}/proxy_temp;
    fastcgi_temp_path {tmp}/fastcgi_temp;
    uwsgi_temp_path {tmp}/uwsgi_temp;
    scgi_temp_path {tmp}/scgi_temp;

    upstream mcp_backends {{
        # round-robin (the default) over the three instances
{servers}
        keepalive 16;
    }}

    server {{
        listen {HOST}:{listen_port};

        location = /__nginx_health {{
            return 200 "ok\\n";
        }}

        location / {{
            proxy_pass http://mcp_backends;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # The servers accept only loopback Host values on a loopback bind.
            proxy_set_header Host $http_host;
            # SSE: pass events through as they come.
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 30s;
            proxy_connect_timeout 2s;
            # Connection-level failures go to the next instance (a POST that
            # already reached an instance is never replayed by nginx).
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 3;
        }}
    }}
}}
"""


def start_nginx(tmp, listen_port, backend_ports):
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(nginx_config(tmp, listen_port, backend_ports))
    # Worker processes drop privileges when the master runs as root; let them
    # reach the temp dirs nginx creates (and chowns) under tmp.
    os.chmod(tmp, 0o755)
    # -e: error log before the config is read (otherwise the compiled-in /var path).
    return subprocess.Popen(
        [NGINX, "-c", conf, "-p", tmp + "/", "-e", os.path.join(tmp, "error.log")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_nginx(proc, port, timeout, tmp):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise CheckFailed(f"nginx exited with {proc.returncode}: {err.strip()} {tail(os.path.join(tmp, 'error.log'))}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", "/__nginx_health")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return
            last = f"status {resp.status}"
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    raise CheckFailed(f"nginx did not answer on port {port} within {timeout:.0f} s ({last})")


def tail(path, n=5):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().splitlines()[-n:])
    except OSError:
        return ""


# -------------------------------------------------------------------- MCP


class McpClient:
    """Legacy Streamable HTTP client over one keep-alive connection."""

    def __init__(self, port):
        self.port = port
        self.conn = None
        self.session_id = None
        self.next_id = 1

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _send(self, method, body=None, with_session=True):
        headers = {"Accept": "application/json, text/event-stream"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if with_session and self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
            headers["MCP-Protocol-Version"] = PROTOCOL_VERSION
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=HTTP_TIMEOUT_S)
            try:
                self.conn.request(method, "/mcp", body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, resp, payload
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The client-side keep-alive connection was closed under us
                # before the request reached the peer; reconnect once.
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def decode(resp, payload):
        """The JSON-RPC message of a JSON or SSE response."""
        ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
        text = payload.decode("utf-8", "replace")
        if ctype == "text/event-stream":
            for event in text.replace("\r\n", "\n").split("\n\n"):
                data = "\n".join(l[5:].lstrip(" ") for l in event.split("\n") if l.startswith("data:"))
                if not data:
                    continue
                msg = json.loads(data)
                if isinstance(msg, dict) and ("result" in msg or "error" in msg):
                    return msg
            raise CheckFailed(f"SSE response without a result: {text[:300]!r}")
        return json.loads(text)

    def rpc(self, method, params, expect_status=200):
        rid = self.next_id
        self.next_id += 1
        status, resp, payload = self._send("POST", {"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        require(status == expect_status,
                f"{method} (id {rid}): HTTP {status}, expected {expect_status}; body {payload[:300]!r}")
        if status != 200:
            return resp, None
        msg = self.decode(resp, payload)
        require(msg.get("id") == rid, f"{method}: response id {msg.get('id')!r}, expected {rid}")
        require("error" not in msg, f"{method} (id {rid}): JSON-RPC error {msg.get('error')!r}")
        return resp, msg["result"]

    def initialize(self):
        status, resp, payload = self._send("POST", {
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                       "clientInfo": {"name": "multi-instance-test", "version": "1.0"}},
        }, with_session=False)
        require(status == 200, f"initialize: HTTP {status}; body {payload[:300]!r}")
        sid = resp.getheader("Mcp-Session-Id")
        require(sid, "initialize: no Mcp-Session-Id header")
        msg = self.decode(resp, payload)
        require("result" in msg, f"initialize: no result: {msg!r}")
        got = msg["result"].get("protocolVersion")
        require(got == PROTOCOL_VERSION, f"initialize: protocolVersion {got!r}, expected {PROTOCOL_VERSION}")
        self.session_id = sid
        status, _, payload = self._send("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"})
        require(status == 202, f"notifications/initialized: HTTP {status}, expected 202; body {payload[:300]!r}")

    def greet(self, name, expect_status=200):
        resp, result = self.rpc("tools/call", {"name": "greet", "arguments": {"name": name}}, expect_status)
        if result is None:
            return
        content = result.get("content")
        expected = f"Hello, {name}!"
        require(isinstance(content, list) and len(content) >= 1 and content[0].get("type") == "text",
                f"greet {name!r}: unexpected content {content!r}")
        require(content[0].get("text") == expected,
                f"greet {name!r}: text {content[0].get('text')!r}, expected {expected!r}")
        require(not result.get("isError"), f"greet {name!r}: isError set: {result!r}")

    def delete(self):
        status, _, payload = self._send("DELETE")
        return status, payload


def count_calls(servers, name_prefix_calls, expected_total, timeout=3.0):
    """tools/call lines per server once the logs hold expected_total of them (bounded wait)."""
    deadline = time.monotonic() + timeout
    while True:
        counts = [len([r for r in s.requests(rpc="tools/call", method="POST") if r.get("status") == 200])
                  for s in servers]
        if sum(counts) - name_prefix_calls >= expected_total or time.monotonic() >= deadline:
            return counts
        time.sleep(0.05)


# -------------------------------------------------------------------- main


def main():
    start = time.monotonic()
    if len(sys.argv) != 2:
        print("usage: multi_instance.py <bin-dir>", file=sys.stderr)
        return 1
    binary = os.path.join(sys.argv[1], "mcp-server")
    if not os.access(binary, os.X_OK):
        print(f"FAIL: {binary} is not an executable file", file=sys.stderr)
        print(f"0 passed, {len(CHECKS)} failed")
        return 1

    def on_alarm(signum, frame):
        raise CheckFailed(f"whole-test budget of {TOTAL_BUDGET_S:.0f} s exceeded")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(TOTAL_BUDGET_S) - 5)  # leave time for cleanup

    results = {}  # check number -> None (pass) or failure message
    secret = secrets.token_hex(24)
    tmp = tempfile.mkdtemp(prefix="mcp-multi-instance-")
    servers = []       # current instance per slot (index 0..2)
    retired = []       # stopped instances (kept for their logs)
    nginx = None
    client = None
    state = {}

    def run(number, fn):
        if any(results.get(n) is not None for n in state.get("needs", {}).get(number, ())):
            results[number] = "not run (an earlier check it depends on failed)"
            return
        try:
            fn()
            results[number] = None
            print(f"PASS {CHECKS[number - 1]}", flush=True)
        except CheckFailed as e:
            results[number] = str(e)
            print(f"FAIL {CHECKS[number - 1]}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - any surprise is a failed check
            results[number] = f"{type(e).__name__}: {e}"
            print(f"FAIL {CHECKS[number - 1]}: {type(e).__name__}: {e}", flush=True)

    state["needs"] = {2: (1,), 3: (1, 2), 4: (3,), 5: (3,)}

    try:
        ports = free_ports(4)
        backend_ports, nginx_port = ports[:3], ports[3]

        # ---------------------------------------------------------- check 1
        def check1():
            for i, port in enumerate(backend_ports):
                servers.append(ServerProc(binary, port, secret, f"instance {i} (:{port})"))
            for s in servers:
                s.wait_url(STARTUP_TIMEOUT_S)

        run(1, check1)

        # ---------------------------------------------------------- check 2
        def check2():
            nonlocal nginx
            nginx = start_nginx(tmp, nginx_port, backend_ports)
            wait_nginx(nginx, nginx_port, STARTUP_TIMEOUT_S, tmp)

        run(2, check2)

        # ---------------------------------------------------------- check 3
        def check3():
            nonlocal client
            client = McpClient(nginx_port)
            client.initialize()
            state["sid"] = client.session_id
            for i in range(FIRST_CALLS):
                client.greet(f"alpha-{i:03d}")
            counts = count_calls(servers, 0, FIRST_CALLS)
            require(sum(counts) == FIRST_CALLS,
                    f"the instances logged {sum(counts)} successful tools/call lines ({counts}), expected {FIRST_CALLS}")
            require(all(c > 0 for c in counts),
                    f"not every instance served the session: tools/call per instance {counts}")
            print(f"     tools/call per instance: {counts}", flush=True)
            inits = [i for i, s in enumerate(servers) if s.requests(rpc="initialize")]
            require(len(inits) == 1, f"expected exactly one instance to log rpc=initialize, got {inits}")
            state["init_slot"] = inits[0]

        run(3, check3)

        # ---------------------------------------------------------- check 4
        def check4():
            slot = state["init_slot"]
            old = servers[slot]
            before = count_calls(servers, 0, 0, timeout=0)
            code = old.stop(timeout=10.0)
            require(code is not None, f"{old.label}: did not exit within 10 s of SIGTERM (killed)")
            require(code == 0, f"{old.label}: exited with {code} after SIGTERM, expected 0; "
                               f"stderr: {' | '.join(old.stderr_lines[-5:])}")
            retired.append(old)
            new = ServerProc(binary, old.port, secret, f"instance {slot} restarted (:{old.port})")
            servers[slot] = new
            new.wait_url(STARTUP_TIMEOUT_S)
            for i in range(SECOND_CALLS):
                client.greet(f"beta-{i:03d}")
            after = count_calls(servers, sum(before) - before[slot], SECOND_CALLS)
            served = [after[i] - (0 if i == slot else before[i]) for i in range(3)]
            print(f"     tools/call per instance after the restart: {served}", flush=True)
            require(served[slot] > 0,
                    f"the restarted instance served none of the {SECOND_CALLS} calls ({served})")

        run(4, check4)

        # ---------------------------------------------------------- check 5
        def check5():
            # Termination is per-instance by design: session ids are signed
            # (HMAC over MCP_SESSION_SECRET) and there is no shared session
            # store, so any instance rebuilds a session from a valid id, but
            # the tombstone written by DELETE lives only in the memory of the
            # instance that handled the DELETE. That instance answers 404 for
            # the id from then on; the other instances (and a restarted one)
            # keep accepting the id until it expires. A deployment that needs
            # cluster-wide termination must route DELETE-ed ids consistently
            # (sticky sessions) or add a shared revocation list.
            status, payload = client.delete()
            require(status == 200, f"DELETE through nginx: HTTP {status}, expected 200; body {payload[:300]!r}")
            deadline = time.monotonic() + 3.0
            handlers = []
            while time.monotonic() < deadline:
                handlers = [i for i, s in enumerate(servers) if s.requests(method="DELETE")]
                if handlers:
                    break
                time.sleep(0.05)
            require(len(handlers) == 1, f"expected exactly one instance to log the DELETE, got {handlers}")
            slot = handlers[0]
            direct = McpClient(servers[slot].port)
            direct.session_id = state["sid"]
            direct.next_id = 100000
            try:
                direct.greet("after-delete", expect_status=404)
            finally:
                direct.close()
            # Informational: what another instance says about the same id.
            other = (slot + 1) % 3
            probe = McpClient(servers[other].port)
            probe.session_id = state["sid"]
            try:
                st, _, _ = probe._send("POST", {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                               "params": {"name": "greet", "arguments": {"name": "x"}}})
            finally:
                probe.close()
            print(f"     instance {slot} (handled DELETE) answers 404; instance {other} answers {st} "
                  f"(termination is per-instance)", flush=True)

        run(5, check5)

    except CheckFailed as e:
        print(f"FAIL: {e}", flush=True)
    finally:
        signal.alarm(0)
        # ---------------------------------------------------------- check 6
        problems = []
        if client is not None:
            client.close()
        if nginx is not None and not stop_process(nginx, timeout=5.0):
            problems.append("nginx had to be killed")
        for s in servers:
            if s.proc.poll() is None:
                code = s.stop(timeout=5.0)
                if code is None:
                    problems.append(f"{s.label} had to be killed")
        leftovers = [s.label for s in servers + retired if s.proc.poll() is None]
        if nginx is not None and nginx.poll() is None:
            leftovers.append("nginx")
        if leftovers:
            problems.append(f"still running: {leftovers}")
        elapsed = time.monotonic() - start
        if elapsed > TOTAL_BUDGET_S:
            problems.append(f"took {elapsed:.1f} s (> {TOTAL_BUDGET_S:.0f} s)")
        if results.get(2) is not None and nginx is not None:
            print(f"     nginx error log: {tail(os.path.join(tmp, 'error.log'))}", flush=True)
        shutil.rmtree(tmp, ignore_errors=True)
        results[6] = "; ".join(problems) if problems else None
        print(f"{'PASS' if results[6] is None else 'FAIL'} {CHECKS[5]}"
              + (f": {results[6]}" if results[6] else f" ({elapsed:.1f} s)"), flush=True)

    for n in range(1, len(CHECKS) + 1):
        results.setdefault(n, "not run")
    failed = [n for n in range(1, len(CHECKS) + 1) if results[n] is not None]
    for n in failed:
        print(f"FAILED check {n}: {results[n]}", file=sys.stderr)
    print(f"{len(CHECKS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
