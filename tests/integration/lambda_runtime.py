#!/usr/bin/env python3
"""The servers' Lambda mode, driven through tests/doubles/lambda_double.py.

Usage: lambda_runtime.py <bin-dir> [check-name ...]   (bin-dir holds mcp-server, mcp-client)

Each check starts its own double (API Gateway REST or Function URL front +
Runtime API per instance) in this process and real server processes behind it:

  client_rest_streaming   mcp-client one-shot (list-tools, greet, bedrock-report; negotiated and
                          2025-11-25) against `mcp-server --demo` via REST + streaming
  client_url_buffered     the same via a Function URL event + buffered responses
  streaming_one_by_one    multi-greet's notifications reach a raw client one by one, spread by the
                          tool's 1 s pauses (buffered mode, for contrast, delivers them all at the end)
  deadline                --timeout 2 s, multi-greet (2 s) -> the server ends the request with a
                          clear error before the deadline; the double never had to kill
  aws_deadline            mcp-server (no --demo) over the loopback AWS double whose FilterLogEvents
                          takes 5 s, --timeout 3 s -> the report tool's own isError naming the
                          deadline (AWS calls are bounded by the invocation), not the loop's 504
  init_error              MCP_LOG_LEVEL=bogus -> runtime/init/error recorded, client 502, exit != 0
  crash_mid_stream        SIGSEGV after the first event -> Runtime.Crash trailer recorded, the
                          client's chunked body breaks off
  warm_reuse              one process serves several invocations (same pid); a legacy GET stream
                          is refused with 405 (MCP_GET_STREAMS=auto)
  fresh_process_session   --fresh-process: a legacy session (2025-06-18, 2025-11-25) initialised on
                          process A keeps working on new processes B, C
  round_trip              base64 request bodies (binaryMediaTypes */*), multi-value headers,
                          query strings, cookies; non-ASCII text survives
  unsupported_event       a non-HTTP event -> invocation/error Runtime.UnsupportedEvent; process reused
  routing                 no stage -> 403 from the gateway; OAuth metadata 404 with auth off

Every double must end with no recorded Runtime API protocol violation. Exit 0
all passed, 1 failures, 77 when a binary is missing. Stdlib only; loopback only.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from lambda_http import (LEGACY_VERSION, MODERN_VERSION, McpSession, lambda_double, request,
                         server_bin)

LambdaDouble = lambda_double.LambdaDouble
RESULTS = []


class CheckFailed(Exception):
    pass


def require(cond, message):
    if not cond:
        raise CheckFailed(message)


class Ctx:
    def __init__(self, bin_dir):
        self.server = server_bin(bin_dir, "mcp-server")
        self.client = server_bin(bin_dir, "mcp-client")
        self.doubles = []
        self.config_dir = tempfile.mkdtemp(prefix="lambda-runtime-client-")

    def double(self, server_args=("--demo",), **kw):
        d = LambdaDouble(self.server, list(server_args), **kw)
        d.start()
        self.doubles.append(d)
        return d

    def close_all(self):
        problems = []
        for d in self.doubles:
            d.close()
            if d.violations:
                problems.append(f"double :{d.port} recorded violations: "
                                f"{[v['message'] for v in d.violations]}")
        self.doubles = []
        return problems

    def mcp_client(self, url, *words, protocol=None, timeout=60):
        cmd = [self.client, "--url", url, "--config-dir", self.config_dir, "--no-browser", "--timeout", "30"]
        if protocol:
            cmd += ["--protocol-version", protocol]
        cmd += list(words)
        env = {k: v for k, v in os.environ.items() if k not in ("ACCESS_TOKEN", "MCP_SERVER_URL")}
        run = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, env=env)
        return run


def invocations(d, path_suffix=None):
    return [i for i in d.invocations_json() if path_suffix is None or i["path"].endswith(path_suffix)]


def logs_of(d):
    out = []
    for inst in d.instances_json(with_lines=True):
        out.append(f"--- instance {inst['instance']} pid {inst['pid']} exit {inst['exit_code']}")
        out += inst.get("lines", [])[-15:]
    return "\n".join(out)


# ------------------------------------------------------------------ checks


def check_client(ctx, event, mode):
    d = ctx.double(event=event, mode=mode)
    url = d.base_url() + "/mcp"
    for protocol in (None, LEGACY_VERSION):
        label = protocol or "negotiated"
        run = ctx.mcp_client(url, "--json", "list-tools", protocol=protocol)
        require(run.returncode == 0, f"[{label}] list-tools exit {run.returncode}: {run.stderr[-800:]}\n{logs_of(d)}")
        require("multi-greet" in run.stdout and "get_bedrock_usage_report" in run.stdout,
                f"[{label}] list-tools output lacks tools: {run.stdout[:400]}")
        run = ctx.mcp_client(url, "greet", "Lambda", protocol=protocol)
        require(run.returncode == 0 and "Hello, Lambda!" in run.stdout,
                f"[{label}] greet exit {run.returncode}: {run.stdout[-300:]} {run.stderr[-500:]}")
        run = ctx.mcp_client(url, "multi-greet", "Lambda", protocol=protocol)
        require(run.returncode == 0 and "Good morning, Lambda!" in run.stdout,
                f"[{label}] multi-greet exit {run.returncode}: {run.stdout[-300:]} {run.stderr[-500:]}")
        run = ctx.mcp_client(url, "--json", "bedrock-report", protocol=protocol)
        require(run.returncode == 0, f"[{label}] bedrock-report exit {run.returncode}: {run.stderr[-600:]}")
        require("input_tokens" in run.stdout or "inputTokens" in run.stdout or "tokens" in run.stdout,
                f"[{label}] bedrock-report output: {run.stdout[:400]}")
    invs = invocations(d)
    modes = {i["mode"] for i in invs if i["status"] == "ok"}
    require(modes == {mode}, f"response modes used: {modes}, expected {mode}")
    bad = [(i["method"], i["status"], i["http_status"], i["error"]) for i in invs if i["status"] != "ok"]
    require(not bad, f"invocations that did not end ok: {bad}")
    return f"{len(invs)} invocations on {len(d.instances)} instance(s), all {mode}"


def check_streaming(ctx):
    out = []
    for mode, event in (("streaming", "rest"), ("buffered", "url")):
        d = ctx.double(event=event, mode=mode)
        path = ("/prod" if event == "rest" else "") + "/mcp"
        s = McpSession(d.port, path, version=MODERN_VERSION)
        warm = s.call("tools/list")  # cold start out of the way
        require(warm.status == 200, f"tools/list: {warm.describe()}")
        resp = s.call("tools/call", {"name": "multi-greet", "arguments": {"name": "Stream"},
                                     "_meta": {"progressToken": "p1"}})
        require(resp.status == 200 and resp.complete, f"[{mode}] multi-greet: {resp.describe()}")
        events = resp.sse_events()
        times = [round(t, 2) for t, _ in events]
        final = resp.rpc_result()
        require(final and "result" in final and "Good morning, Stream!" in json.dumps(final),
                f"[{mode}] no final result: {resp.describe()}")
        if mode == "streaming":
            require(len(events) >= 5, f"expected >= 5 SSE events (progress, logs, result), got {len(events)}")
            require(resp.chunked, "streamed response is not chunked at the client")
            # starting (t≈0), first greeting (t≈1), second greeting + done + result (t≈2)
            require(times[0] < 0.8, f"first event only after {times[0]} s (times {times})")
            require(times[-1] - times[0] >= 1.7, f"events not spread by the tool's pauses: {times}")
            middle = [t for t in times if times[0] + 0.6 < t < times[-1] - 0.6]
            require(middle, f"no event arrived between the first and the last (times {times})")
            inv = [i for i in invocations(d) if i["status"] == "ok"][-1]
            require(inv["mode"] == "streaming" and inv["chunks"] >= 3,
                    f"double saw {inv['chunks']} chunks in mode {inv['mode']}")
            out.append(f"streaming: {len(events)} events at {times}")
        else:
            arrival = {round(t, 1) for t, _ in resp.chunks}
            require(len(arrival) == 1, f"buffered body arrived in pieces? {arrival}")
            require(times and times[0] >= 1.7, f"buffered body arrived before the tool finished: {times}")
            out.append(f"buffered: {len(events)} events all at {times[0]} s")
    return "; ".join(out)


def check_deadline(ctx):
    out = []
    for event, mode in (("rest", "streaming"), ("url", "buffered")):
        # The loop answers a quarter of the 1 s margin before the deadline
        # (1.75 s), before multi-greet's 2 s of pauses are over.
        d = ctx.double(event=event, mode=mode, timeout=2.0)
        path = ("/prod" if event == "rest" else "") + "/mcp"
        s = McpSession(d.port, path, version=MODERN_VERSION)
        warm = s.call("tools/list")
        require(warm.status == 200, f"[{mode}] tools/list: {warm.describe()}")
        t0 = time.monotonic()
        resp = s.call("tools/call", {"name": "multi-greet", "arguments": {"name": "Late"}})
        took = time.monotonic() - t0
        inv = invocations(d)[-1]
        require(not inv["killed_by_double"] and inv["status"] == "ok",
                f"[{mode}] the double had to step in: status {inv['status']} error {inv['error']} "
                f"client {resp.describe()}\n{logs_of(d)}")
        require(resp.complete, f"[{mode}] response did not end properly: {resp.describe()}")
        require(took < 2.0, f"[{mode}] answer after {took:.2f} s, deadline 2.0 s")
        msg = resp.rpc_result()
        text = json.dumps(msg) if msg else resp.body.decode("utf-8", "replace")
        clear = (msg is not None and ("error" in msg or msg.get("result", {}).get("isError"))) or resp.status >= 400
        require(clear and "Good morning" not in text, f"[{mode}] no clear error: {resp.describe()}")
        out.append(f"{mode}: HTTP {resp.status} after {took:.2f} s: {text[:160]}")
    return "; ".join(out)


def check_aws_deadline(ctx):
    """A report whose AWS calls would outlive the invocation ends with the tool's own clear error."""
    from usage_e2e import Double, aws_env  # the loopback AWS double and its environment
    tmp = tempfile.mkdtemp(prefix="lambda-aws-deadline-")
    data = os.path.join(tmp, "empty.jsonl")
    cost = os.path.join(tmp, "cost.json")
    for name in ("empty.jsonl", "big.jsonl"):  # Double serves both groups
        open(os.path.join(tmp, name), "w").close()
    with open(cost, "w") as f:
        json.dump([], f)
    aws = Double(tmp, data, cost)
    try:
        aws.config(latency_ms={"FilterLogEvents": 5000, "StartQuery": 5000})
        env = {k: v for k, v in aws_env(aws, tmp).items() if k.startswith("AWS_") and k != "AWS_REGION"}
        d = ctx.double(server_args=(), event="rest", mode="streaming", timeout=3.0, env=env)
        s = McpSession(d.port, "/prod/mcp", version=MODERN_VERSION)
        t0 = time.monotonic()
        resp = s.call("tools/call", {"name": "get_bedrock_usage_report",
                                     "arguments": {"region": "us-east-1", "days": 2, "source": "cloudwatch"}},
                      timeout=20)
        took = time.monotonic() - t0
        inv = invocations(d)[-1]
        require(not inv["killed_by_double"] and inv["status"] == "ok",
                f"the double had to step in: {inv['status']} {inv['error']}\n{logs_of(d)}")
        msg = resp.rpc_result() or {}
        result = msg.get("result") or {}
        text = json.dumps(result)
        require(resp.status == 200 and result.get("isError") is True and "deadline" in text,
                f"expected the tool's own deadline error: {resp.describe()}")
        require(took < 3.0, f"answer after {took:.2f} s, invocation deadline 3 s")
        return f"isError after {took:.2f} s: {result['content'][0]['text'][:140]}"
    finally:
        aws.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def check_init_error(ctx):
    d = ctx.double(event="rest", mode="streaming", env={"MCP_LOG_LEVEL": "bogus"})
    s = McpSession(d.port, "/prod/mcp", version=MODERN_VERSION)
    resp = s.call("tools/list", timeout=20)
    require(resp.status == 502 and b"Internal server error" in resp.body, f"client got {resp.describe()}")
    deadline = time.time() + 5
    while time.time() < deadline and any(i["exit_code"] is None for i in d.instances_json()):
        time.sleep(0.1)
    insts = d.instances_json()
    require(d.init_errors, f"no runtime/init/error recorded\n{logs_of(d)}")
    require(all(i["exit_code"] not in (None, 0) and not i["killed_by_double"] for i in insts),
            f"instances did not exit non-zero by themselves: {insts}")
    e = d.init_errors[0]
    return f"init error {e['type']}: {e['body'][:120]}; exit codes {[i['exit_code'] for i in insts]}"


def check_crash(ctx):
    d = ctx.double(event="rest", mode="streaming")
    s = McpSession(d.port, "/prod/mcp", version=MODERN_VERSION)
    warm = s.call("tools/list")
    require(warm.status == 200, f"tools/list: {warm.describe()}")
    holder = {}
    t = threading.Thread(target=lambda: holder.setdefault("resp", s.call(
        "tools/call", {"name": "multi-greet", "arguments": {"name": "Crash"}, "_meta": {"progressToken": "c1"}},
        timeout=20)), daemon=True)
    t.start()
    inv = None
    deadline = time.time() + 10
    while time.time() < deadline:
        running = [i for i in d.invocations if i.method == "POST" and i.first_byte and not i.finished
                   and i is not d.invocations[0]]
        if running:
            inv = running[0]
            break
        time.sleep(0.02)
    require(inv is not None, "multi-greet never started streaming")
    time.sleep(0.1)
    pid = inv.instance.pid
    os.kill(pid, signal.SIGSEGV)
    t.join(25)
    resp = holder.get("resp")
    require(resp is not None, "client request did not return")
    rec = next(i for i in d.invocations_json() if i["request_id"] == inv.request_id)
    require(rec["trailers"].get("Lambda-Runtime-Function-Error-Type") == "Runtime.Crash" or
            any(k.lower() == "lambda-runtime-function-error-type" and v == "Runtime.Crash"
                for k, v in rec["trailers"].items()),
            f"no Runtime.Crash trailer recorded: status {rec['status']} trailers {rec['trailers']} "
            f"error {rec['error']}")
    require(resp.status == 200 and not resp.complete and resp.sse_events(),
            f"client stream did not break off after events: {resp.describe()}")
    deadline = time.time() + 5
    while time.time() < deadline and inv.instance.exit_code is None:
        time.sleep(0.05)
    code = inv.instance.exit_code
    require(code == -signal.SIGSEGV or (code is not None and code != 0),
            f"crashed process exit code {code}")
    # Lambda replaces the instance: the next request still works.
    again = s.call("tools/list")
    require(again.status == 200, f"request after the crash: {again.describe()}")
    return (f"trailer {rec['error']}; client saw {len(resp.sse_events())} event(s) then '{resp.error}'; "
            f"exit {code}")


def check_warm_reuse(ctx):
    d = ctx.double(event="rest", mode="streaming")
    s = McpSession(d.port, "/prod/mcp", version=LEGACY_VERSION)
    init = s.initialize()
    require(init.status == 200 and s.session_id, f"initialize: {init.describe()}")
    for n in range(8):
        r = s.call("tools/call", {"name": "greet", "arguments": {"name": f"n{n}"}})
        require(r.status == 200 and f"Hello, n{n}!" in json.dumps(r.rpc_result()), f"call {n}: {r.describe()}")
    # No standalone GET stream in Lambda: it would hold the instance for the
    # whole timeout waiting for notifications that cannot reach it.
    get = request(d.port, "GET", "/prod/mcp", {"Accept": "text/event-stream", "Mcp-Session-Id": s.session_id,
                                               "MCP-Protocol-Version": LEGACY_VERSION}, timeout=10)
    require(get.status == 405 and "POST" in (get.header("Allow") or ""),
            f"GET stream: {get.describe()} (expected 405 with Allow)")
    pids = {i["pid"] for i in invocations(d)}
    require(len(pids) == 1, f"sequential invocations used several processes: {pids}")
    insts = d.instances_json()
    return f"{len(invocations(d))} invocations on pid {pids.pop()} ({insts[0]['served']} served)"


def check_fresh_session(ctx):
    out = []
    for version in ("2025-06-18", LEGACY_VERSION):
        d = ctx.double(event="rest", mode="streaming", fresh_process=True)
        s = McpSession(d.port, "/prod/mcp", version=version)
        init = s.initialize()
        require(init.status == 200 and s.session_id, f"[{version}] initialize: {init.describe()}")
        lst = s.call("tools/list")
        require(lst.status == 200 and "multi-greet" in lst.body.decode(), f"[{version}] tools/list: {lst.describe()}")
        call = s.call("tools/call", {"name": "greet", "arguments": {"name": "Fresh"}})
        require(call.status == 200 and "Hello, Fresh!" in call.body.decode(), f"[{version}] tools/call: {call.describe()}")
        invs = [i for i in invocations(d) if i["status"] == "ok"]
        pids = [i["pid"] for i in invs]
        require(len(set(pids)) == len(pids), f"[{version}] a process served two invocations: {pids}")
        delete = request(d.port, "DELETE", "/prod/mcp", {"Mcp-Session-Id": s.session_id,
                                                        "MCP-Protocol-Version": version})
        out.append(f"{version}: {len(pids)} invocations on {len(set(pids))} processes; DELETE -> {delete.status}")
    return "; ".join(out)


def check_round_trip(ctx):
    out = []
    name = "Zoë ✓ \"quoted\" ünïcode"
    for event in ("rest", "url"):
        kw = {"binary_media_types": ["*/*"]} if event == "rest" else {}
        d = ctx.double(event=event, mode="streaming" if event == "rest" else "buffered", **kw)
        path = ("/prod" if event == "rest" else "") + "/mcp"
        s = McpSession(d.port, path + "?x=1&x=2&y=%C3%A9", version=MODERN_VERSION)
        body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "greet", "arguments": {"name": name}, "_meta": {
                "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
                "io.modelcontextprotocol/clientInfo": {"name": "rt", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {}}}}, ensure_ascii=False).encode()
        # Two Accept headers (multi-value), cookies, a binary-looking body on the url event.
        ctype = "application/json" if event == "rest" else "application/json"
        resp = request(d.port, "POST", s.path, {"Content-Type": ctype, "MCP-Protocol-Version": MODERN_VERSION,
                                                "Mcp-Method": "tools/call", "Mcp-Name": "greet",
                                                "Cookie": "a=1; b=two"},
                       body, raw_headers=[("Accept", "application/json"), ("Accept", "text/event-stream")])
        require(resp.status == 200, f"[{event}] {resp.describe()}")
        text = json.dumps(resp.rpc_result(), ensure_ascii=False)
        require(f"Hello, {name}!" in text.replace('\\"', '"'), f"[{event}] non-ASCII name lost: {text[:300]}")
        ev = d.invocations[-1].event
        if event == "rest":
            require(ev["isBase64Encoded"] is True, "REST event body not base64 with binaryMediaTypes */*")
            require(ev["multiValueHeaders"].get("Accept") == ["application/json", "text/event-stream"],
                    f"multiValueHeaders Accept: {ev['multiValueHeaders'].get('Accept')}")
            require(ev["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["é"]},
                    f"query: {ev['multiValueQueryStringParameters']}")
            require(ev["path"] == "/mcp" and ev["requestContext"]["path"] == "/prod/mcp", "paths")
        else:
            require(ev["headers"].get("accept") == "application/json,text/event-stream",
                    f"joined accept: {ev['headers'].get('accept')}")
            require(ev.get("cookies") == ["a=1", "b=two"] and "cookie" not in ev["headers"], f"cookies: {ev.get('cookies')}")
            require(ev["rawQueryString"] == "x=1&x=2&y=%C3%A9", f"rawQueryString {ev['rawQueryString']}")
        # A binary body the server must reject cleanly (415/400), not crash on.
        bin_resp = request(d.port, "POST", path, {"Content-Type": "application/octet-stream", "Accept":
                                                  "application/json, text/event-stream",
                                                  "MCP-Protocol-Version": MODERN_VERSION},
                           bytes(range(256)))
        require(400 <= bin_resp.status < 500, f"[{event}] binary body: {bin_resp.describe()}")
        require(d.invocations[-1].event["isBase64Encoded"] is True, "binary body not base64 in the event")
        out.append(f"{event}: ok (binary body -> {bin_resp.status})")
    return "; ".join(out)


def check_unsupported(ctx):
    d = ctx.double(event="rest", mode="streaming")
    s = McpSession(d.port, "/prod/mcp", version=MODERN_VERSION)
    require(s.call("tools/list").status == 200, "tools/list")
    inv = d.invoke({"Records": [{"eventSource": "aws:s3"}]}, method="-", path="(s3 event)")
    deadline = time.time() + 10
    while time.time() < deadline and not inv.finished:
        time.sleep(0.05)
    require(inv.status == "error" and inv.error and inv.error.get("type") == "Runtime.UnsupportedEvent",
            f"status {inv.status} error {inv.error}")
    again = s.call("tools/list")
    require(again.status == 200, f"after the bad event: {again.describe()}")
    pids = {i["pid"] for i in invocations(d)}
    require(len(pids) == 1, f"the process was replaced: {pids}")
    return f"{inv.error['type']}: {inv.error['body'][:120]}"


def check_routing(ctx):
    d = ctx.double(event="rest", mode="streaming")
    r1 = request(d.port, "POST", "/mcp", {"Content-Type": "application/json"}, b"{}")
    require(r1.status == 403 and b"Missing Authentication Token" in r1.body, f"no stage: {r1.describe()}")
    r2 = request(d.port, "GET", "/prod/.well-known/oauth-protected-resource/mcp")
    require(r2.status == 404, f"protected-resource metadata with auth off: {r2.describe()}")
    r3 = request(d.port, "GET", "/prod/elsewhere")
    require(r3.status == 404, f"unknown path: {r3.describe()}")
    return f"no stage -> 403; PRM -> {r2.status}; /prod/elsewhere -> {r3.status}"


CHECKS = [
    ("client_rest_streaming", lambda c: check_client(c, "rest", "streaming")),
    ("client_url_buffered", lambda c: check_client(c, "url", "buffered")),
    ("streaming_one_by_one", check_streaming),
    ("deadline", check_deadline),
    ("aws_deadline", check_aws_deadline),
    ("init_error", check_init_error),
    ("crash_mid_stream", check_crash),
    ("warm_reuse", check_warm_reuse),
    ("fresh_process_session", check_fresh_session),
    ("round_trip", check_round_trip),
    ("unsupported_event", check_unsupported),
    ("routing", check_routing),
]


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    ctx = Ctx(sys.argv[1])
    if not ctx.server or not ctx.client:
        print(f"SKIP: mcp-server or mcp-client missing in {sys.argv[1]}")
        return 77
    wanted = set(sys.argv[2:])
    unknown = wanted - {n for n, _ in CHECKS}
    if unknown:
        raise SystemExit(f"unknown checks {sorted(unknown)}")
    t_all = time.monotonic()
    failed = 0
    for name, fn in CHECKS:
        if wanted and name not in wanted:
            continue
        t0 = time.monotonic()
        try:
            detail = fn(ctx)
            problems = ctx.close_all()
            if problems:
                raise CheckFailed("; ".join(problems))
            print(f"ok   {name} ({time.monotonic() - t0:.1f} s): {detail}", flush=True)
        except Exception as exc:  # noqa: BLE001 - report every failure and go on
            failed += 1
            extra = "" if isinstance(exc, CheckFailed) else "\n" + traceback.format_exc()
            try:
                more = ctx.close_all()
            except Exception:  # noqa: BLE001
                more = []
            print(f"FAIL {name} ({time.monotonic() - t0:.1f} s): {exc}{extra} {'; '.join(more)}", flush=True)
    passed = sum(1 for n, _ in CHECKS if not wanted or n in wanted) - failed
    print(f"{passed} passed, {failed} failed ({time.monotonic() - t_all:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
