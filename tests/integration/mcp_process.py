"""A server child process for the integration tests.

Starts an mcp-server (or mcp-everything-server) on loopback, drains its stdout
and stderr on threads (so a chatty server never blocks on a full pipe), reads
the URL from its first stdout line, exposes its JSON log records, and stops it
with SIGTERM and a bounded wait.
"""
import json
import os
import signal
import subprocess
import threading
import time

# Variables that would change what the tests ask for on the command line.
_SERVER_ENV = ("MCP_PORT", "MCP_HOST", "MCP_ENDPOINT", "MCP_ALLOWED_HOSTS", "MCP_ALLOWED_ORIGINS",
               "MCP_MAX_BODY_BYTES", "MCP_LOG_LEVEL")


class McpServerProcess:
    def __init__(self, binary, args, secret, label, error=RuntimeError, keep_lines=None):
        """args: command-line flags; error: exception class raised on start-up problems;
        keep_lines: cap on the stdout/stderr lines kept (None keeps all)."""
        self.label = label
        self.error = error
        self.keep_lines = keep_lines
        env = {k: v for k, v in os.environ.items() if k not in _SERVER_ENV}
        env["MCP_SESSION_SECRET"] = secret
        self.proc = subprocess.Popen([binary, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.err_lines = []
        self.url = None
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._drain, args=(self.proc.stdout, self.lines), daemon=True),
                         threading.Thread(target=self._drain, args=(self.proc.stderr, self.err_lines), daemon=True)]
        for t in self._threads:
            t.start()

    def _drain(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._cond:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
                if self.keep_lines and len(sink) > 2 * self.keep_lines:
                    del sink[:self.keep_lines]
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_url(self, timeout):
        """The URL from the first stdout line (a JSON "listening" record, or the bare URL)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.lines:
                if self.proc.poll() is not None:
                    raise self.error(f"{self.label} exited with {self.proc.returncode} before printing its URL; "
                                     f"stderr: {' | '.join(self.err_lines[-5:])}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self.error(f"{self.label} printed no URL within {timeout:.0f} s")
                self._cond.wait(min(left, 0.2))
            first = self.lines[0].strip()
        url = first
        try:
            rec = json.loads(first)
            url = rec.get("url") if isinstance(rec, dict) and rec.get("msg") == "listening" else None
        except ValueError:
            pass
        if not (isinstance(url, str) and url.startswith("http://")):
            raise self.error(f"{self.label}: first stdout line does not name the URL: {first!r}")
        self.url = url
        return url

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
        """The per-request log records, optionally of one JSON-RPC or HTTP method."""
        return [r for r in self.records()
                if r.get("msg") == "request" and (rpc is None or r.get("rpc") == rpc)
                and (method is None or r.get("method") == method)]

    def alive(self):
        return self.proc.poll() is None

    def tail(self, n=3):
        with self._cond:
            return " | ".join(self.err_lines[-n:])[:300]

    def stop(self, timeout=10.0):
        """SIGTERM and a bounded wait; the exit code, or None if it had to be killed."""
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                code = None
        for t in self._threads:
            t.join(timeout=2)
        return code
