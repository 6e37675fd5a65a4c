#!/usr/bin/env python3
"""Cold-start figures of the servers' Lambda mode (a bench, not a pass/fail test).

usage: lambda_cold_start.py BIN_DIR [--server mcp-server] [--runs N] [--mode streaming|buffered]
                            [--event rest|url] [--json] [-- server args (default for mcp-server: --demo)]

Each run execs a brand-new server process with a fresh Runtime API
(tests/doubles/lambda_double.py, --fresh-process) and hands it one API Gateway
event: an `initialize` POST. Measured per run:
  next_ms    exec -> the process's first GET /runtime/invocation/next (init duration)
  prelude_ms exec -> the response prelude (streaming) / the whole response (buffered) reached the double
  first_ms   exec -> the first response body byte reached the double
  rss_kb     peak RSS (VmHWM of /proc/<pid>/status) read just before the process is killed
Prints a table (median, p90, min, max). Exit 77 when the binary is missing, 1
if a run failed.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

from lambda_http import lambda_double

INIT_BODY = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "cold-start", "version": "1"}}}


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def one_run(double, event_kind):
    target = "/prod/mcp" if event_kind == "rest" else "/mcp"
    event = lambda_double.make_event(event_kind, "POST", target,
                                     [("Content-Type", "application/json"),
                                      ("Accept", "application/json, text/event-stream")],
                                     json.dumps(INIT_BODY).encode(), port=double.port)
    inv = double.invoke(event, method="POST", path=target)
    deadline = time.time() + double.timeout + 15
    while not inv.finished and time.time() < deadline:
        time.sleep(0.005)
    inst = inv.instance
    # --fresh-process: the instance is killed at its next /next; VmHWM is read just before.
    while inst is not None and inst.exit_code is None and time.time() < deadline:
        time.sleep(0.005)
    if inv.status != "ok" or inst is None or inst.first_next is None or inv.first_byte is None:
        raise RuntimeError(f"run failed: status {inv.status} error {inv.error} violations {inv.violations}")
    return {
        "next_ms": (inst.first_next - inst.exec_time) * 1000,
        "prelude_ms": (inv.head_at - inst.exec_time) * 1000,
        "first_ms": (inv.first_byte - inst.exec_time) * 1000,
        "rss_kb": inst.rss_peak_kb,
    }


def main():
    argv = sys.argv[1:]
    server_args = None
    if "--" in argv:
        i = argv.index("--")
        argv, server_args = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser(description="Lambda-mode cold start figures")
    p.add_argument("bin_dir")
    p.add_argument("--server", default="mcp-server")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--mode", choices=("streaming", "buffered"), default="streaming")
    p.add_argument("--event", choices=("rest", "url"), default="rest")
    p.add_argument("--json", action="store_true", help="also print the raw runs as JSON")
    a = p.parse_args(argv)
    binary = pathlib.Path(a.bin_dir) / a.server
    if not binary.is_file():
        print(f"SKIP: {binary} missing")
        return 77
    if server_args is None:
        server_args = ["--demo"] if a.server == "mcp-server" else []
    double = lambda_double.LambdaDouble(str(binary), server_args, event=a.event, mode=a.mode, timeout=30,
                                        fresh_process=True, max_instances=2)
    double.start()
    runs = []
    try:
        one_run(double, a.event)  # warm the page cache; not counted
        for _ in range(a.runs):
            runs.append(one_run(double, a.event))
    except RuntimeError as exc:
        print(f"FAIL {exc}")
        return 1
    finally:
        double.close()
    if double.violations:
        print(f"FAIL protocol violations: {[v['message'] for v in double.violations]}")
        return 1
    print(f"{a.server} {' '.join(server_args)} | {a.event} + {a.mode} | {a.runs} cold starts")
    print(f"{'metric':<34}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}")
    labels = {"next_ms": "exec -> first /next (ms)", "prelude_ms": "exec -> response prelude (ms)",
              "first_ms": "exec -> first body byte (ms)", "rss_kb": "peak RSS VmHWM (KiB)"}
    for key, label in labels.items():
        vals = [r[key] for r in runs if r[key] is not None]
        if not vals:
            print(f"{label:<34}{'n/a':>10}")
            continue
        fmt = (lambda v: f"{v:10.0f}") if key == "rss_kb" else (lambda v: f"{v:10.1f}")
        print(f"{label:<34}{fmt(statistics.median(vals))}{fmt(percentile(vals, 0.9))}{fmt(min(vals))}"
              f"{fmt(max(vals))}")
    if a.json:
        print(json.dumps(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
