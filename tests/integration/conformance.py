#!/usr/bin/env python3
"""Runs the official MCP conformance suite against mcp-everything-server.

usage: conformance.py BIN_DIR PACKAGE_DIR [suite arguments...]

  PACKAGE_DIR   tests/interop/node_modules/<conformance package alias>
  suite args    e.g. --suite all, or --requirements 2026-07-28

Starts the fixture server on a free loopback port, runs the suite with Node 22
and reads every checks.json it writes. Scored scenarios (all of them for a
--suite run; the requirement set's lists for --requirements) must have no
FAILURE and no WARNING. Not-scored scenarios are reported, not enforced.
"""
import os
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from conformance_results import NODE, collect, report, scored_set  # noqa: E402


def start_server(bin_dir):
    env = dict(os.environ, MCP_SESSION_SECRET=secrets.token_hex(16))
    proc = subprocess.Popen([str(pathlib.Path(bin_dir) / "mcp-everything-server"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"http://[0-9.:\[\]]+:(\d+)(/[^\"\s]*)", line)
        if m:
            return proc, f"http://localhost:{m.group(1)}{m.group(2)}"
    proc.kill()
    raise SystemExit("mcp-everything-server did not print its URL within 10 s")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    bin_dir, package_dir, suite_args = sys.argv[1], sys.argv[2], sys.argv[3:]
    cli = pathlib.Path(package_dir) / "dist/index.js"
    server, url = start_server(bin_dir)
    try:
        with tempfile.TemporaryDirectory(prefix="mcp-conformance-") as out:
            cmd = [str(NODE), str(cli), "server", "--url", url, "-o", out, *suite_args]
            print("$", " ".join(cmd[1:]), flush=True)
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            results = collect(out)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # A clean exit after SIGTERM is part of the contract (and under the
    # sanitizers it means no memory error or leak was found).
    server_output = server.stdout.read()
    server_failed = server.returncode != 0
    if server_failed:
        print(f"FAIL mcp-everything-server exited with {server.returncode} after SIGTERM")
        print(server_output[-4000:])

    scored = scored_set(package_dir, suite_args, "server")
    bad_scored, missing = report(results, scored)
    if not results:
        print(run.stdout[-3000:], run.stderr[-3000:])
    failed = (len(bad_scored) + len(missing) + (1 if run.returncode != 0 and not bad_scored else 0) +
              (1 if server_failed else 0))
    total_scored = len([n for n in results if scored is None or n in scored]) + len(missing)
    if run.returncode != 0 and not bad_scored:
        print(f"FAIL the suite exited with {run.returncode}")
        print(run.stdout[-2000:])
    print(f"{total_scored - len(bad_scored) - len(missing)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
