#!/usr/bin/env python3
"""Loopback double of AWS Lambda (Runtime API) + API Gateway / Function URL.

One Python process plays both sides of a Lambda deployment of an MCP server:

* a **Runtime API** per instance (each instance = one server process started
  with its own AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>): invocation/next,
  invocation/{id}/response (buffered and streaming with the HTTP-integration
  prelude and real HTTP trailers), invocation/{id}/error, init/error;
* a **front** HTTP/1.1 server that turns each real HTTP request into an API
  Gateway REST proxy event (payload 1.0, stage prefix) or a Function URL event
  (payload 2.0), invokes the function like Lambda (idle instance, else a new
  one up to --max-instances; --fresh-process: a new process per invocation)
  and turns the function's response back into HTTP, forwarding streamed body
  chunks as they arrive;
* a control API on the front (/_double/...).

Protocol violations by the function are answered loudly (400 on the Runtime
API) and recorded, so tests can fail on them. Stdlib only. See
tests/doubles/README.md.

CLI:
  lambda_double.py --server BIN [--event rest|url] [--mode streaming|buffered]
      [--timeout S] [--fresh-process] [--max-instances N] [--stage prod]
      [--env K=V ...] [--port P] [--echo-logs] -- [server args]
  prints "READY <port>" when listening; SIGTERM/SIGINT -> everything killed, exit 0.
"""

import argparse
import base64
import itertools
import json
import os
import queue
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
API_PREFIX = "/2018-06-01"
PRELUDE_DELIMITER = b"\0" * 8
PRELUDE_LIMIT = 16 * 1024
BUFFERED_LIMIT = 6 * 1024 * 1024
STREAM_CT = "application/vnd.awslambda.http-integration-response"
TRAILER_TYPE = "Lambda-Runtime-Function-Error-Type"
TRAILER_BODY = "Lambda-Runtime-Function-Error-Body"
PRELUDE_KEYS = {"statusCode", "headers", "multiValueHeaders", "cookies"}
BUFFERED_KEYS = {"statusCode", "headers", "multiValueHeaders", "cookies", "body", "isBase64Encoded"}
FUNCTION_NAME = "bedrock-usage-mcp"
ACCOUNT = "123456789012"
API_ID = "abcdef1234"
INIT_TIMEOUT_S = 10.0
# Server settings a developer's shell might carry that would change the instance.
_STRIP_ENV = ("MCP_PORT", "MCP_HOST", "MCP_ENDPOINT", "MCP_ALLOWED_HOSTS", "MCP_ALLOWED_ORIGINS",
              "MCP_MAX_BODY_BYTES", "MCP_LOG_LEVEL", "MCP_PUBLIC_URL", "MCP_AUTH", "AWS_LAMBDA_RUNTIME_API",
              "MCP_LAMBDA_RESPONSE_MODE", "MCP_LAMBDA_DEADLINE_MARGIN_MS")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "trailer", "upgrade",
              "proxy-connection", "te"}
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml",
              "application/x-www-form-urlencoded", "application/ecmascript")


def now_ms():
    return int(time.time() * 1000)


def is_text_type(content_type):
    ct = (content_type or "").split(";")[0].strip().lower()
    if not ct:
        return True  # API Gateway / Function URLs pass bodies without a type as text
    return ct.startswith(TEXT_TYPES) or ct.endswith("+json") or ct.endswith("+xml")


class ProtocolViolation(Exception):
    pass


# ----------------------------------------------------------------- invocations


class Invocation:
    """One invocation: the event, its progress, and a queue the front reads."""

    def __init__(self, double, event, kind, method, path):
        self.double = double
        self.request_id = str(uuid.uuid4())
        self.event = event
        self.kind = kind
        self.method = method
        self.path = path
        self.instance = None
        self.status = "pending"     # pending running ok error timeout crashed init_error throttled violation
        self.mode = None            # buffered | streaming (what the function used)
        self.created = time.time()
        self.delivered = None       # /next returned it
        self.first_byte = None      # first response body byte (after the prelude) reached the double
        self.head_at = None         # streaming: the prelude was complete; buffered: the response arrived
        self.ended = None
        self.deadline_ms = None
        self.http_status = None     # what the front answered
        self.trailers = {}
        self.error = None           # {"type", "body"} from /error, trailers or the double
        self.violations = []
        self.killed_by_double = False
        self.chunks = 0
        self.body_bytes = 0
        self.client_aborted = False
        self.out = queue.Queue()    # ("head", prelude) ("data", b) ("end",) ("abort", why) ("buffered", obj) ("fail", code, json)
        self.timer = None
        self.responding = False     # a /response or /error POST is being read

    @property
    def finished(self):
        return self.ended is not None

    def to_json(self):
        inst = self.instance
        return {
            "request_id": self.request_id, "kind": self.kind, "method": self.method, "path": self.path,
            "instance": inst.ident if inst else None, "pid": inst.pid if inst else None,
            "status": self.status, "mode": self.mode, "created": self.created, "delivered": self.delivered,
            "first_byte": self.first_byte, "head_at": self.head_at, "ended": self.ended, "deadline_ms": self.deadline_ms,
            "http_status": self.http_status, "trailers": self.trailers, "error": self.error,
            "violations": self.violations, "killed_by_double": self.killed_by_double, "chunks": self.chunks,
            "body_bytes": self.body_bytes, "client_aborted": self.client_aborted,
        }


# ------------------------------------------------------------------- instances


class RuntimeHandler(BaseHTTPRequestHandler):
    """The Runtime API of one instance."""

    protocol_version = "HTTP/1.1"
    server_version = "LambdaRuntimeDouble/1.0"

    def log_message(self, fmt, *args):  # quiet
        pass

    @property
    def instance(self):
        return self.server.instance

    def reply(self, status, obj, close=False):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def violation(self, message, inv=None, status=400, error_type="InvalidRequest"):
        self.instance.double.record_violation(message, inv, self.instance)
        self.reply(status, {"errorMessage": message, "errorType": error_type}, close=True)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path != API_PREFIX + "/runtime/invocation/next":
            return self.violation(f"unknown Runtime API path GET {path}", status=404)
        inv = self.instance.next_invocation()
        if inv is None:  # shutting down: leave the long poll hanging until the process dies
            self.close_connection = True
            return
        data = json.dumps(inv.event).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", inv.request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(inv.deadline_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                         f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FUNCTION_NAME}")
        self.send_header("Lambda-Runtime-Trace-Id",
                         f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == API_PREFIX + "/runtime/init/error":
            return self.init_error()
        m = re.fullmatch(re.escape(API_PREFIX) + r"/runtime/invocation/([^/]+)/(response|error)", path)
        if not m:
            return self.violation(f"unknown Runtime API path POST {path}", status=404)
        request_id, what = urllib.parse.unquote(m.group(1)), m.group(2)
        inv = self.instance.double.find(request_id)
        if inv is None or inv.instance is not self.instance:
            return self.violation(f"{what} for unknown request id {request_id!r}", error_type="InvalidRequestID")
        with self.instance.double.lock:
            if inv.finished or inv.responding or inv.status != "running":
                state = "finished (" + inv.status + ")" if inv.finished else "already being answered"
                bad = True
            else:
                inv.responding = True
                bad = False
        if bad:
            return self.violation(f"{what} for invocation {request_id} that is {state}", inv,
                                  error_type="InvalidStateTransition")
        try:
            if what == "error":
                self.invocation_error(inv)
            elif self.headers.get("Lambda-Runtime-Function-Response-Mode", "").lower() == "streaming":
                self.streaming_response(inv)
            else:
                self.buffered_response(inv)
        finally:
            inv.responding = False

    # -- bodies

    def read_plain_body(self, inv, limit):
        te = self.headers.get("Transfer-Encoding")
        if te:
            raise ProtocolViolation(f"Transfer-Encoding {te!r} on a non-streaming POST (missing "
                                    "Lambda-Runtime-Function-Response-Mode: streaming?)")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise ProtocolViolation("POST without a valid Content-Length")
        n = int(length)
        if n > limit:
            self.rfile.read(n)
            raise ProtocolViolation(f"payload of {n} bytes exceeds {limit}")
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("connection closed inside the body")
        return data

    def init_error(self):
        try:
            body = self.read_plain_body(None, BUFFERED_LIMIT)
        except ProtocolViolation as exc:
            return self.violation(f"init/error: {exc}")
        except (ConnectionError, OSError):
            return
        err = {"type": self.headers.get(TRAILER_TYPE), "body": body.decode("utf-8", "replace")}
        problems = check_error_body(body)
        if not err["type"]:
            problems.append(f"init/error without a {TRAILER_TYPE} header")
        for p in problems:
            self.instance.double.record_violation("init/error: " + p, None, self.instance)
        self.instance.on_init_error(err)
        self.reply(202, {"status": "OK"})

    def invocation_error(self, inv):
        try:
            body = self.read_plain_body(inv, BUFFERED_LIMIT)
        except ProtocolViolation as exc:
            self.violation(f"invocation/error: {exc}", inv)
            self.instance.double.fail(inv, "violation", str(exc))
            return
        except (ConnectionError, OSError):
            return
        err = {"type": self.headers.get(TRAILER_TYPE), "body": body.decode("utf-8", "replace")}
        for p in check_error_body(body) + ([] if err["type"] else [f"invocation/error without a {TRAILER_TYPE} header"]):
            self.instance.double.record_violation("invocation/error: " + p, inv, self.instance)
        inv.error = err
        self.instance.double.fail(inv, "error", None)
        self.reply(202, {"status": "OK"})

    def buffered_response(self, inv):
        inv.mode = "buffered"
        try:
            body = self.read_plain_body(inv, BUFFERED_LIMIT)
        except ProtocolViolation as exc:
            status = 413 if "exceeds" in str(exc) else 400
            self.violation(f"buffered response: {exc}", inv, status=status,
                           error_type="RequestEntityTooLarge" if status == 413 else "InvalidRequest")
            self.instance.double.fail(inv, "violation", str(exc))
            return
        except (ConnectionError, OSError):
            self.instance.double.fail(inv, "crashed", "connection closed inside the buffered response")
            return
        inv.first_byte = inv.head_at = time.time()
        inv.body_bytes = len(body)
        try:
            obj = json.loads(body)
        except ValueError:
            obj = None
        problems = check_proxy_response(obj, inv.kind, buffered=True)
        for p in problems:
            self.instance.double.record_violation("buffered response: " + p, inv, self.instance)
        if problems:
            self.instance.double.fail(inv, "violation", "; ".join(problems))
        else:
            self.instance.double.complete(inv, ("buffered", obj))
        self.reply(202, {"status": "OK"})

    def streaming_response(self, inv):
        inv.mode = "streaming"
        double = self.instance.double
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        problems = []
        if te != "chunked":
            problems.append(f"streaming response without Transfer-Encoding: chunked (got {te!r})")
        if self.headers.get("Content-Length") is not None:
            problems.append("streaming response with a Content-Length")
        ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ct != STREAM_CT:
            problems.append(f"streaming Content-Type {ct!r}, API Gateway needs {STREAM_CT}")
        declared = set()
        for line in self.headers.get_all("Trailer") or []:
            declared.update(x.strip().lower() for x in line.split(",") if x.strip())
        if problems:
            for p in problems:
                double.record_violation(p, inv, self.instance)
            double.fail(inv, "violation", "; ".join(problems))
            self.reply(400, {"errorMessage": "; ".join(problems), "errorType": "InvalidRequest"}, close=True)
            return
        prelude_buf = b""
        prelude_done = False
        trailers = {}
        try:
            for kind, payload in read_chunks(self.rfile):
                if kind == "trailers":
                    trailers = payload
                    break
                if not prelude_done:
                    prelude_buf += payload
                    pos = prelude_buf.find(PRELUDE_DELIMITER)
                    if pos < 0:
                        if len(prelude_buf) > PRELUDE_LIMIT:
                            raise ProtocolViolation("no prelude delimiter within the first 16 KB")
                        continue
                    if pos + len(PRELUDE_DELIMITER) > PRELUDE_LIMIT:
                        raise ProtocolViolation("prelude + delimiter end after the first 16 KB")
                    try:
                        prelude = json.loads(prelude_buf[:pos])
                    except ValueError:
                        raise ProtocolViolation(f"prelude is not JSON: {prelude_buf[:200]!r}")
                    bad = check_proxy_response(prelude, inv.kind, buffered=False)
                    if bad:
                        raise ProtocolViolation("prelude: " + "; ".join(bad))
                    prelude_done = True
                    inv.head_at = time.time()
                    double.push(inv, ("head", prelude))
                    payload = prelude_buf[pos + len(PRELUDE_DELIMITER):]
                if payload:
                    if inv.first_byte is None:
                        inv.first_byte = time.time()
                    inv.chunks += 1
                    inv.body_bytes += len(payload)
                    double.push(inv, ("data", payload))
        except ProtocolViolation as exc:
            double.record_violation(f"streaming response: {exc}", inv, self.instance)
            double.fail(inv, "violation", str(exc))
            try:
                self.reply(400, {"errorMessage": str(exc), "errorType": "InvalidRequest"}, close=True)
            except OSError:
                pass
            return
        except (ConnectionError, OSError, EOFError) as exc:
            # The process died (or closed) without the last chunk: Lambda sees a truncated stream.
            double.fail(inv, "crashed", f"stream ended without the last chunk ({exc})")
            self.close_connection = True
            return
        inv.trailers = trailers
        undeclared = [k for k in trailers if k.lower() not in declared]
        if undeclared:
            double.record_violation(f"trailers {undeclared} sent without announcing them in a Trailer header",
                                    inv, self.instance)
        if not prelude_done:
            double.record_violation("streaming response ended before the prelude delimiter", inv, self.instance)
            double.fail(inv, "violation", "no prelude")
            self.reply(400, {"errorMessage": "no prelude", "errorType": "InvalidRequest"}, close=True)
            return
        err_type = next((v for k, v in trailers.items() if k.lower() == TRAILER_TYPE.lower()), None)
        err_body = next((v for k, v in trailers.items() if k.lower() == TRAILER_BODY.lower()), None)
        if err_type is not None:
            decoded = None
            if err_body is not None:
                try:
                    decoded = json.loads(base64.b64decode(err_body, validate=True))
                except (ValueError, TypeError):
                    double.record_violation(f"{TRAILER_BODY} is not base64 JSON: {err_body[:100]!r}", inv,
                                            self.instance)
            inv.error = {"type": err_type, "body": decoded if decoded is not None else err_body}
            double.fail(inv, "error", "error trailers")  # the client sees the stream break off
        else:
            double.complete(inv, ("end",))
        self.reply(202, {"status": "OK"})


def read_chunks(rfile):
    """Yields ("data", bytes) as chunk data arrives, then ("trailers", {name: value})."""
    while True:
        line = rfile.readline(1024)
        if not line:
            raise EOFError("connection closed before a chunk size line")
        if not line.endswith(b"\r\n"):
            raise ProtocolViolation(f"bad chunk encoding: size line {line[:60]!r} not CRLF-terminated")
        size_text = line[:-2].split(b";", 1)[0].strip()
        if not size_text or not re.fullmatch(rb"[0-9a-fA-F]+", size_text):
            raise ProtocolViolation(f"bad chunk encoding: size line {line[:60]!r}")
        size = int(size_text, 16)
        if size == 0:
            trailers = {}
            while True:
                t = rfile.readline(65537)
                if not t:
                    raise EOFError("connection closed inside the trailers")
                if t == b"\r\n":
                    return_value = trailers
                    yield ("trailers", return_value)
                    return
                if not t.endswith(b"\r\n") or b":" not in t:
                    raise ProtocolViolation(f"bad trailer line {t[:80]!r}")
                name, value = t[:-2].split(b":", 1)
                trailers[name.decode("latin-1").strip()] = value.decode("latin-1").strip()
        left = size
        while left:
            data = rfile.read1(left) if hasattr(rfile, "read1") else rfile.read(left)
            if not data:
                raise EOFError("connection closed inside a chunk")
            left -= len(data)
            yield ("data", data)
        if rfile.read(2) != b"\r\n":
            raise ProtocolViolation("bad chunk encoding: chunk data not followed by CRLF")


def check_error_body(body):
    try:
        obj = json.loads(body)
    except ValueError:
        return [f"error body is not JSON: {body[:100]!r}"]
    if not isinstance(obj, dict) or not isinstance(obj.get("errorMessage"), str) or \
            not isinstance(obj.get("errorType"), str):
        return ["error body lacks string errorMessage/errorType"]
    return []


def check_proxy_response(obj, kind, buffered):
    """Problems API Gateway / Function URLs would reject (502) or silently drop."""
    if not isinstance(obj, dict):
        return ["not a JSON object"]
    problems = []
    allowed = BUFFERED_KEYS if buffered else PRELUDE_KEYS
    extra = set(obj) - allowed
    if extra:
        problems.append(f"keys not allowed: {sorted(extra)}")
    code = obj.get("statusCode")
    if buffered or code is not None:
        if not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 599:
            problems.append(f"statusCode {code!r} is not an HTTP status")
    headers = obj.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            problems.append("headers is not an object")
        else:
            for k, v in headers.items():
                if not isinstance(v, str):
                    problems.append(f"header {k!r} has a non-string value {v!r}")
    mv = obj.get("multiValueHeaders")
    if mv is not None:
        if kind == "url":
            problems.append("multiValueHeaders in a Function URL (payload 2.0) response: it is ignored")
        elif not isinstance(mv, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in mv.values()):
            problems.append("multiValueHeaders is not an object of string arrays")
    cookies = obj.get("cookies")
    if cookies is not None:
        if kind == "rest" and buffered:
            problems.append("cookies in a REST (payload 1.0) buffered response: it is ignored")
        elif not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            problems.append("cookies is not an array of strings")
    if buffered:
        body = obj.get("body")
        if body is not None and not isinstance(body, str):
            problems.append("body is not a string")
        b64 = obj.get("isBase64Encoded")
        if b64 is not None and not isinstance(b64, bool):
            problems.append("isBase64Encoded is not a boolean")
        if b64 and isinstance(body, str):
            try:
                base64.b64decode(body, validate=True)
            except ValueError:
                problems.append("body is not valid base64 although isBase64Encoded is true")
    return problems


class RuntimeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Instance:
    """One server process and its Runtime API."""

    _counter = itertools.count(1)

    def __init__(self, double):
        self.ident = next(Instance._counter)
        self.double = double
        self.cond = threading.Condition(double.lock)
        self.state = "init"            # init idle busy dead
        self.assigned = None           # invocation waiting to be fetched with /next
        self.current = None            # invocation in progress
        self.served = 0
        self.init_error = None
        self.exit_code = None
        self.killed_by_double = False
        self.started = time.time()
        self.first_next = None
        self.retire = False            # --fresh-process: killed at its next /next
        self.retired = False           # ... and was
        self.doomed = False            # killed / crashed: not assignable while it is being reaped
        self.lines = []
        self.rss_peak_kb = None
        self.server = RuntimeServer((HOST, 0), RuntimeHandler)
        self.server.instance = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        env = {k: v for k, v in os.environ.items() if k not in _STRIP_ENV}
        env.update({
            "AWS_LAMBDA_RUNTIME_API": f"{HOST}:{self.port}",
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"2026/01/01/[$LATEST]{secrets.token_hex(16)}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "_HANDLER": "bootstrap",
            "MCP_SESSION_SECRET": double.secret,
            "MCP_ALLOW_INSECURE_PUBLIC": "true",
        })
        env.setdefault("AWS_REGION", "us-east-1")
        env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
        if double.mode:
            env["MCP_LAMBDA_RESPONSE_MODE"] = double.mode
        env.update(double.env)
        self.exec_time = time.time()
        self.exec_monotonic = time.monotonic()
        self.proc = subprocess.Popen([double.server, *double.server_args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.pid = self.proc.pid
        for stream, tag in ((self.proc.stdout, "out"), (self.proc.stderr, "err")):
            threading.Thread(target=self._drain, args=(stream, tag), daemon=True).start()
        threading.Thread(target=self._watch, daemon=True).start()
        self.init_timer = threading.Timer(double.init_timeout, self._init_timeout)
        self.init_timer.daemon = True
        self.init_timer.start()

    def _drain(self, stream, tag):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.double.lock:
                self.lines.append((tag, line))
                if len(self.lines) > 4000:
                    del self.lines[:2000]
            if self.double.echo_logs:
                sys.stderr.write(f"[{self.ident}:{self.pid} {tag}] {line}\n")
                sys.stderr.flush()

    def peak_rss_kb(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def _watch(self):
        code = self.proc.wait()
        self.init_timer.cancel()
        with self.double.lock:
            self.exit_code = code
            self.state = "dead"
            self.cond.notify_all()
            self.double.cond.notify_all()
            pending = [i for i in (self.assigned, self.current) if i is not None]
        # A POST already on its way may still be readable: give its handler a moment.
        deadline = time.time() + 1.0
        for inv in pending:
            while time.time() < deadline and not inv.finished:
                if not inv.responding:
                    time.sleep(0.05)
                    if not inv.responding:
                        break
                time.sleep(0.05)
            while inv.responding and time.time() < deadline + 5:
                time.sleep(0.05)
            if not inv.finished:
                if self.init_error is not None:
                    inv.error = self.init_error
                    self.double.fail(inv, "init_error", "init error")
                else:
                    inv.error = inv.error or {"type": "Runtime.ExitError",
                                              "body": f"RequestId: {inv.request_id} Error: Runtime exited "
                                                      f"with {describe_exit(code)}"}
                    self.double.fail(inv, "crashed", "process exited")
        self.server.shutdown()
        self.server.server_close()

    def _init_timeout(self):
        with self.double.lock:
            if self.first_next is not None or self.state == "dead":
                return
        self.double.record_violation(f"instance {self.ident} did not call invocation/next within "
                                     f"{self.double.init_timeout} s", None, self)
        self.kill()

    def next_invocation(self):
        """Blocks (the long poll) until an invocation is assigned; None when the instance is retired."""
        with self.cond:
            if self.first_next is None:
                self.first_next = time.time()
            if self.current is not None and not self.current.finished:
                inv = self.current
                self.double.record_violation("invocation/next called while an invocation is unfinished", inv, self)
                self.double.fail(inv, "violation", "next before response")
            self.current = None
            if self.state == "busy":
                self.state = "idle"
            if self.state == "init":
                self.state = "idle"
            self.double.cond.notify_all()
            while True:
                if self.retire or self.state == "dead" or self.double.closing:
                    kill = self.retire and self.state != "dead"
                    break
                if self.assigned is not None:
                    inv = self.assigned
                    self.assigned = None
                    self.current = inv
                    self.state = "busy"
                    inv.status = "running"
                    inv.delivered = time.time()
                    inv.deadline_ms = now_ms() + int(self.double.timeout * 1000)
                    inv.timer = threading.Timer(self.double.timeout + 0.05, self.double.deadline_passed, (inv,))
                    inv.timer.daemon = True
                    inv.timer.start()
                    self.served += 1
                    return inv
                self.cond.wait(0.5)
        if kill:
            self.retire_now()
        return None

    def retire_now(self):
        """--fresh-process: the instance served its one invocation (Lambda would freeze and reap it)."""
        with self.double.lock:
            if self.state == "dead" or self.retired:
                return
            self.retired = True
            self.doomed = True
            self.rss_peak_kb = self.peak_rss_kb()
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass

    def on_init_error(self, err):
        with self.cond:
            self.init_error = err
            self.double.init_errors.append({"instance": self.ident, "pid": self.pid, "time": time.time(), **err})

    def kill(self, sig=signal.SIGKILL):
        with self.double.lock:
            if self.state == "dead":
                return
            self.killed_by_double = True
            self.doomed = True
            if self.rss_peak_kb is None:
                self.rss_peak_kb = self.peak_rss_kb()
        try:
            self.proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout=5.0, signalled=False):
        """SIGTERM (unless already sent), bounded wait, then SIGKILL; returns the exit code.

        One SIGTERM only: a second one can land after the server removed its
        handler on the way out and would kill it with the default action."""
        if self.proc.poll() is None:
            if self.rss_peak_kb is None:
                self.rss_peak_kb = self.peak_rss_kb()
            try:
                if not signalled:
                    self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            except ProcessLookupError:
                pass
        return self.proc.poll()

    def to_json(self, with_lines=False):
        out = {"instance": self.ident, "pid": self.pid, "port": self.port, "state": self.state,
               "served": self.served, "started": self.started, "first_next": self.first_next,
               "exit_code": self.exit_code, "killed_by_double": self.killed_by_double, "retired": self.retired,
               "init_error": self.init_error, "rss_peak_kb": self.rss_peak_kb}
        if with_lines:
            out["lines"] = [f"{t}: {l}" for t, l in self.lines[-400:]]
        return out


def describe_exit(code):
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


# ---------------------------------------------------------------------- double


class LambdaDouble:
    """Lambda + API Gateway on loopback. Usable in-process (tests) or via the CLI."""

    def __init__(self, server, server_args=(), event="rest", mode="streaming", timeout=30.0,
                 fresh_process=False, max_instances=8, env=None, stage="prod", secret=None,
                 init_timeout=INIT_TIMEOUT_S, echo_logs=False, port=0, binary_media_types=None):
        if event not in ("rest", "url"):
            raise ValueError("event must be rest or url")
        self.server = server
        self.server_args = list(server_args)
        self.event_kind = event
        self.mode = mode
        self.timeout = float(timeout)
        self.fresh_process = fresh_process
        self.max_instances = max_instances
        self.env = dict(env or {})
        self.stage = stage
        self.secret = secret or secrets.token_hex(16)
        self.init_timeout = init_timeout
        self.echo_logs = echo_logs
        # REST APIs base64-encode bodies whose type matches binaryMediaTypes (["*/*"]: all);
        # None: the Function URL rule (everything but text-like types).
        self.binary_media_types = binary_media_types
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.instances = []
        self.invocations = []
        self.by_id = {}
        self.violations = []
        self.init_errors = []
        self.closing = False
        self.front = FrontServer((HOST, port), FrontHandler)
        self.front.double = self
        self.port = self.front.server_address[1]
        self._front_thread = None

    # -- lifecycle

    def start(self):
        self._front_thread = threading.Thread(target=self.front.serve_forever, kwargs={"poll_interval": 0.2},
                                              daemon=True)
        self._front_thread.start()
        return self.port

    def base_url(self, host="127.0.0.1"):
        prefix = f"/{self.stage}" if self.event_kind == "rest" else ""
        return f"http://{host}:{self.port}{prefix}"

    def close(self, timeout=5.0):
        """SIGTERM to every instance (bounded wait, then SIGKILL), then the servers."""
        with self.lock:
            instances = list(self.instances)
        for inst in instances:
            if inst.proc.poll() is None:
                if inst.rss_peak_kb is None:
                    inst.rss_peak_kb = inst.peak_rss_kb()
                try:
                    inst.proc.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for inst in instances:
            inst.stop(timeout, signalled=True)
        with self.lock:
            self.closing = True
            self.cond.notify_all()
            for inst in self.instances:
                inst.cond.notify_all()
        self.front.shutdown()
        self.front.server_close()
        for inv in list(self.invocations):
            if inv.timer:
                inv.timer.cancel()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # -- bookkeeping

    def find(self, request_id):
        with self.lock:
            return self.by_id.get(request_id)

    def record_violation(self, message, inv=None, instance=None):
        entry = {"time": time.time(), "message": message,
                 "request_id": inv.request_id if inv else None,
                 "instance": instance.ident if instance else None}
        with self.lock:
            self.violations.append(entry)
            if inv is not None:
                inv.violations.append(message)
        sys.stderr.write(f"lambda_double: PROTOCOL VIOLATION: {message}\n")
        sys.stderr.flush()

    def push(self, inv, item):
        inv.out.put(item)

    def _end(self, inv, status):
        """Marks inv finished (once); returns False if it already was."""
        with self.lock:
            if inv.finished:
                return False
            inv.ended = time.time()
            inv.status = status
            if inv.timer:
                inv.timer.cancel()
            inst = inv.instance
            if status in ("timeout", "crashed", "init_error") and inst is not None:
                inst.doomed = True  # killed or dying: never assign it again
            if inst is not None and inst.current is inv and inst.state == "busy" and not inst.doomed:
                # Lambda counts the instance busy until it asks for the next event; it
                # is assignable now, the assignment is picked up by that /next.
                inst.state = "idle"
                if self.fresh_process:
                    inst.retire = True
                    t = threading.Timer(2.0, inst.retire_now)  # in case it never asks for the next event
                    t.daemon = True
                    t.start()
                inst.cond.notify_all()
            self.cond.notify_all()
            return True

    def complete(self, inv, item):
        if self._end(inv, "ok"):
            inv.out.put(item)

    def fail(self, inv, status, why):
        if self._end(inv, status):
            inv.out.put(("abort", status, why))

    def deadline_passed(self, inv):
        with self.lock:
            if inv.finished:
                return
            inv.killed_by_double = True
            inst = inv.instance
        inv.error = {"type": "Sandbox.Timedout",
                     "body": f"RequestId: {inv.request_id} Error: Task timed out after {self.timeout:.2f} seconds"}
        self.fail(inv, "timeout", "deadline passed")
        if inst is not None:
            inst.kill()

    # -- scheduling

    def invoke(self, event, kind=None, method="", path="", wait=None):
        """Starts an invocation on an idle or new instance; the caller reads inv.out."""
        inv = Invocation(self, event, kind or self.event_kind, method, path)
        wait = self.timeout if wait is None else wait
        give_up = time.time() + wait
        new_instance = False
        with self.lock:
            self.invocations.append(inv)
            self.by_id[inv.request_id] = inv
            while True:
                if self.closing:
                    self._end(inv, "throttled")
                    return inv
                chosen = None
                if not self.fresh_process:
                    for inst in self.instances:
                        if inst.state in ("idle", "init") and inst.assigned is None and not inst.doomed and \
                                (inst.current is None or inst.current.finished) and not inst.retire and \
                                inst.init_error is None:
                            chosen = inst
                            break
                live = [i for i in self.instances if i.state != "dead" and not i.doomed]
                if chosen is None and len(live) < self.max_instances:
                    new_instance = True
                    break
                if chosen is not None:
                    break
                left = give_up - time.time()
                if left <= 0:
                    self._end(inv, "throttled")
                    return inv
                self.cond.wait(min(left, 0.5))
            if not new_instance:
                chosen.assigned = inv
                inv.instance = chosen
                chosen.cond.notify_all()
                return inv
        inst = Instance(self)  # outside the lock: starting a process takes a while
        with self.lock:
            self.instances.append(inst)
            inst.assigned = inv
            inv.instance = inst
            inst.cond.notify_all()
            if inst.state == "dead":
                # It exited (e.g. after init/error) before the invocation was
                # handed to it, so its exit watcher saw nothing to fail.
                inst.assigned = None
                if inst.init_error is not None:
                    inv.error = inst.init_error
                    self.fail(inv, "init_error", "init error")
                else:
                    inv.error = {"type": "Runtime.ExitError",
                                 "body": f"RequestId: {inv.request_id} Error: Runtime exited with "
                                         f"{describe_exit(inst.exit_code)}"}
                    self.fail(inv, "crashed", "process exited")
        return inv

    def invocations_json(self):
        with self.lock:
            return [i.to_json() for i in self.invocations]

    def instances_json(self, with_lines=False):
        with self.lock:
            return [i.to_json(with_lines) for i in self.instances]


# ---------------------------------------------------------------------- events


class ClientRequest:
    """What the gateway saw of a client request (method, headers in order, peer)."""

    def __init__(self, method, header_list, client_ip=HOST, version="HTTP/1.1"):
        self.method = method
        self.header_list = list(header_list)
        self.client_ip = client_ip
        self.version = version

    def get(self, name, default=None):
        for k, v in reversed(self.header_list):
            if k.lower() == name.lower():
                return v
        return default


def make_event(kind, method, target, headers=(), body=b"", stage="prod", port=0, host=None,
               binary_media_types=None, request_id=None):
    """An API Gateway REST (kind "rest", target includes the /stage prefix) or Function URL ("url") event."""
    headers = list(headers)
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", host or f"{HOST}:{port}"))
    req = ClientRequest(method, headers)
    split = urllib.parse.urlsplit(target)
    request_id = request_id or str(uuid.uuid4())
    if kind == "rest":
        return rest_event(req, split, body, request_id, stage, port, binary_media_types)
    return url_event(req, split, body, request_id, port, binary_media_types)


def body_fields(req, body, types):
    if not body:
        return None, False
    ctype = (req.get("Content-Type") or "").split(";")[0].strip().lower()
    if types is not None:
        if any(t == "*/*" or t.lower() == ctype or (t.endswith("/*") and ctype.startswith(t[:-1].lower()))
               for t in types):
            return base64.b64encode(body).decode(), True
        return body.decode("utf-8", "replace"), False
    if is_text_type(ctype):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def rest_event(req, split, body, request_id, stage="prod", port=0, binary_media_types=None):
    stage_prefix = "/" + stage
    resource_path = split.path[len(stage_prefix):] or "/"
    headers, multi = {}, {}
    for k, v in req.header_list:
        if k.lower() in ("x-forwarded-proto", "x-forwarded-port", "x-forwarded-for", "x-amzn-trace-id"):
            continue  # API Gateway sets its own
        headers[k] = v
        multi.setdefault(k, []).append(v)
    client_ip = req.client_ip
    trace = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    for k, v in (("X-Forwarded-For", client_ip), ("X-Forwarded-Port", str(port)),
                 ("X-Forwarded-Proto", "http"), ("X-Amzn-Trace-Id", trace)):
        headers[k] = v
        multi[k] = [v]
    q_single, q_multi = {}, {}
    for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
        q_single[k] = v
        q_multi.setdefault(k, []).append(v)
    host = req.get("Host") or f"{HOST}:{port}"
    text, b64 = body_fields(req, body, binary_media_types)
    proxy = resource_path.lstrip("/")
    now = time.time()
    return {
        "resource": "/{proxy+}" if proxy else "/",
        "path": resource_path,
        "httpMethod": req.method,
        "headers": headers or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": q_single or None,
        "multiValueQueryStringParameters": q_multi or None,
        "pathParameters": {"proxy": proxy} if proxy else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123", "resourcePath": "/{proxy+}" if proxy else "/",
            "httpMethod": req.method, "extendedRequestId": secrets.token_hex(8),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": split.path, "accountId": ACCOUNT, "protocol": req.version,
            "stage": stage, "domainPrefix": host.split(".")[0].split(":")[0],
            "requestTimeEpoch": int(now * 1000), "requestId": request_id,
            "identity": {"cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
                         "caller": None, "sourceIp": client_ip, "principalOrgId": None, "accessKey": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
                         "userArn": None, "userAgent": req.get("User-Agent"), "user": None},
            "domainName": host, "apiId": API_ID,
        },
        "body": text,
        "isBase64Encoded": b64,
    }


def url_event(req, split, body, request_id, port=0, binary_media_types=None):
    headers, cookies = {}, []
    for k, v in req.header_list:
        lk = k.lower()
        if lk == "cookie":
            cookies.extend(c.strip() for c in v.split(";") if c.strip())
            continue
        if lk in ("x-forwarded-proto", "x-forwarded-port", "x-forwarded-for", "x-amzn-trace-id"):
            continue
        headers[lk] = headers[lk] + "," + v if lk in headers else v
    client_ip = req.client_ip
    headers.update({"x-forwarded-for": client_ip, "x-forwarded-proto": "http",
                    "x-forwarded-port": str(port),
                    "x-amzn-trace-id": f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"})
    query = {}
    for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
        query[k] = query[k] + "," + v if k in query else v
    host = req.get("Host") or f"{HOST}:{port}"
    text, b64 = body_fields(req, body, binary_media_types)
    now = time.time()
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": split.path, "rawQueryString": split.query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous", "apiId": API_ID, "domainName": host,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "http": {"method": req.method, "path": split.path, "protocol": req.version,
                     "sourceIp": client_ip, "userAgent": req.get("User-Agent", "")},
            "requestId": request_id, "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": b64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if text is not None:
        event["body"] = text
    return event


# ----------------------------------------------------------------------- front


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FrontHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ApiGatewayDouble/1.0"

    def log_message(self, fmt, *args):
        pass

    @property
    def double(self):
        return self.server.double

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def send_json(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_client_body(self):
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            data = b""
            for kind, payload in read_chunks(self.rfile):
                if kind == "data":
                    data += payload
            return data
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        split = urllib.parse.urlsplit(self.path)
        if split.path.startswith("/_double/"):
            return self.control(split)
        double = self.double
        try:
            body = self.read_client_body()
        except (ProtocolViolation, EOFError, ValueError):
            self.close_connection = True
            return self.send_json(400, {"message": "Bad request"})
        request_id = str(uuid.uuid4())
        # API Gateway and Function URLs route by Host (and TLS SNI): a request
        # naming another host never reaches the function. This is what stops
        # DNS rebinding in front of a deployed server.
        host = (self.headers.get("Host") or "").lower()
        if host not in {f"{name}:{double.port}" for name in ("127.0.0.1", "localhost", "[::1]")}:
            return self.send_json(403, {"message": "Forbidden"},
                                  {"x-amzn-ErrorType": "ForbiddenException", "x-amzn-RequestId": request_id})
        if double.event_kind == "rest":
            stage_prefix = "/" + double.stage
            if split.path != stage_prefix and not split.path.startswith(stage_prefix + "/"):
                return self.send_json(403, {"message": "Missing Authentication Token"},
                                      {"x-amzn-ErrorType": "MissingAuthenticationTokenException",
                                       "x-amzn-RequestId": request_id})
            event = rest_event(self.client_request(), split, body, request_id, double.stage, double.port,
                               double.binary_media_types)
        else:
            event = url_event(self.client_request(), split, body, request_id, double.port,
                              double.binary_media_types)
        inv = double.invoke(event, method=self.command, path=split.path)
        self.answer(inv, request_id)

    # -- events

    def client_request(self):
        return ClientRequest(self.command, self.headers.items(), self.client_address[0], self.request_version)

    # -- responses

    def common_headers(self, inv, request_id):
        h = [("x-amzn-RequestId", request_id), ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-"
                                                                   f"{secrets.token_hex(12)}")]
        if self.double.event_kind == "rest":
            h.append(("x-amz-apigw-id", secrets.token_urlsafe(9)))
        return h

    def merged_headers(self, resp, kind):
        out = []
        multi = resp.get("multiValueHeaders") or {}
        multi_lower = {k.lower() for k in multi}
        for k, v in (resp.get("headers") or {}).items():
            if k.lower() in multi_lower or k.lower() in HOP_BY_HOP:
                continue
            out.append((k, v))
        for k, vs in multi.items():
            if k.lower() in HOP_BY_HOP:
                continue
            for v in vs:
                out.append((k, v))
        if kind == "url" or resp.get("cookies"):
            for c in resp.get("cookies") or []:
                out.append(("Set-Cookie", c))
        return out

    def gateway_error(self, inv, request_id, status, message):
        inv.http_status = status
        self.send_json(status, {"message": message},
                       dict(self.common_headers(inv, request_id)) | {"x-amzn-ErrorType": "InternalServerErrorException"
                                                                     if status >= 500 else "Throttled"})

    def answer(self, inv, request_id):
        double = self.double
        head_sent = False
        limit = time.time() + double.timeout + double.init_timeout + 30
        try:
            while True:
                try:
                    item = inv.out.get(timeout=max(0.1, min(1.0, limit - time.time())))
                except queue.Empty:
                    if time.time() > limit:
                        double.record_violation("front: no outcome long after the deadline (double bug?)", inv)
                        item = ("abort", "timeout", "front gave up")
                    else:
                        continue
                what = item[0]
                if what == "buffered":
                    resp = item[1]
                    body = resp.get("body") or ""
                    data = base64.b64decode(body) if resp.get("isBase64Encoded") else body.encode("utf-8")
                    status = resp["statusCode"]
                    inv.http_status = status
                    self.send_response(status)
                    for k, v in self.merged_headers(resp, inv.kind) + self.common_headers(inv, request_id):
                        self.send_header(k, v)
                    no_body = self.command == "HEAD" or status in (204, 304) or status < 200
                    if status not in (204, 304) and status >= 200:
                        self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if not no_body:
                        self.wfile.write(data)
                    return
                if what == "head":
                    prelude = item[1]
                    status = prelude.get("statusCode", 200)
                    inv.http_status = status
                    self.send_response(status)
                    for k, v in self.merged_headers(prelude, inv.kind) + self.common_headers(inv, request_id):
                        self.send_header(k, v)
                    chunked = self.command != "HEAD" and status not in (204, 304) and status >= 200
                    if chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.send_header("Content-Length", "0")
                    self.end_headers()
                    self.wfile.flush()
                    head_sent = True
                    if not chunked:
                        self.drain_rest(inv)
                        return
                    continue
                if what == "data":
                    if not head_sent:  # cannot happen: data follows the head
                        continue
                    data = item[1]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                    continue
                if what == "end":
                    if head_sent:
                        self.wfile.write(b"0\r\n\r\n")
                        self.wfile.flush()
                    return
                if what == "abort":
                    status = item[1]
                    if head_sent:
                        # What a client sees when a stream fails: the body breaks off.
                        self.abort_connection()
                        return
                    if status == "timeout":
                        self.gateway_error(inv, request_id, 504, "Endpoint request timed out")
                    elif status == "throttled":
                        self.gateway_error(inv, request_id, 429, "Too Many Requests")
                    else:
                        self.gateway_error(inv, request_id, 502, "Internal server error")
                    return
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            inv.client_aborted = True
            self.close_connection = True
            # Like Lambda: the function keeps running; nothing more to forward.

    def drain_rest(self, inv):
        pass

    def abort_connection(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- control API

    def control(self, split):
        double = self.double
        q = urllib.parse.parse_qs(split.query)
        path = split.path
        if path == "/_double/health":
            return self.send_json(200, {"ok": True})
        if path == "/_double/invocations":
            return self.send_json(200, double.invocations_json())
        if path == "/_double/instances":
            return self.send_json(200, double.instances_json("lines" in q))
        if path == "/_double/violations":
            return self.send_json(200, double.violations)
        if path == "/_double/init-errors":
            return self.send_json(200, double.init_errors)
        if path == "/_double/config":
            return self.send_json(200, {"event": double.event_kind, "mode": double.mode, "timeout": double.timeout,
                                        "fresh_process": double.fresh_process, "stage": double.stage,
                                        "max_instances": double.max_instances, "port": double.port})
        return self.send_json(404, {"message": "unknown control path"})


# ------------------------------------------------------------------------- CLI


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    server_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, server_args = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="server executable (mcp-server, mcp-everything-server)")
    p.add_argument("--event", choices=("rest", "url"), default="rest")
    p.add_argument("--mode", choices=("streaming", "buffered"), default="streaming",
                   help="sets MCP_LAMBDA_RESPONSE_MODE")
    p.add_argument("--timeout", type=float, default=30.0, help="function timeout in seconds")
    p.add_argument("--fresh-process", action="store_true", help="a new process per invocation")
    p.add_argument("--max-instances", type=int, default=8)
    p.add_argument("--stage", default="prod")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--secret", help="MCP_SESSION_SECRET (default: random per run)")
    p.add_argument("--env", action="append", default=[], metavar="K=V")
    p.add_argument("--binary-media-types", help="comma-separated (REST binaryMediaTypes, e.g. */*); default: "
                   "base64 for every non-text content type")
    p.add_argument("--echo-logs", action="store_true", help="copy instance output to stderr")
    p.add_argument("--summary-file", help="write invocations/instances/violations JSON here on exit")
    args = p.parse_args(argv)
    if not os.access(args.server, os.X_OK):
        sys.stderr.write(f"lambda_double: {args.server} is not executable\n")
        return 2
    env = {}
    for kv in args.env:
        k, sep, v = kv.partition("=")
        if not sep:
            p.error(f"--env wants K=V, got {kv!r}")
        env[k] = v
    double = LambdaDouble(args.server, server_args, event=args.event, mode=args.mode, timeout=args.timeout,
                          fresh_process=args.fresh_process, max_instances=args.max_instances, env=env,
                          stage=args.stage, secret=args.secret, echo_logs=args.echo_logs, port=args.port,
                          binary_media_types=args.binary_media_types.split(",") if args.binary_media_types else None)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    double.start()
    print(f"READY {double.port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        double.close()
        if args.summary_file:
            with open(args.summary_file, "w") as f:
                json.dump({"invocations": double.invocations_json(), "instances": double.instances_json(),
                           "violations": double.violations, "init_errors": double.init_errors}, f, indent=1)
        sys.stderr.write(f"lambda_double: {len(double.invocations)} invocations, {len(double.instances)} "
                         f"instances, {len(double.violations)} violations\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
