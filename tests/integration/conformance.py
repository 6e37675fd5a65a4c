#!/usr/bin/env python3
"""Runs the official MCP conformance suite against mcp-everything-server.

usage: conformance.py [--via-lambda EVENT-MODE] BIN_DIR PACKAGE_DIR [suite arguments...]

  PACKAGE_DIR   tests/interop/node_modules/<conformance package alias>
  suite args    e.g. --suite all, or --requirements 2026-07-28
  --via-lambda  run mcp-everything-server in Lambda mode behind tests/doubles/lambda_double.py
                instead of on a port: rest-streaming (API Gateway REST, the main deployment),
                rest-buffered, url-streaming or url-buffered (Function URL). The double must
                also record no Runtime API protocol violation. Scenarios that need state
                shared between instances (LAMBDA_NOT_APPLICABLE) must fail exactly as
                documented there and are counted as skipped.

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


class LocalServer:
    """mcp-everything-server on a free loopback port."""

    def __init__(self, bin_dir):
        env = dict(os.environ, MCP_SESSION_SECRET=secrets.token_hex(16))
        self.proc = subprocess.Popen([str(pathlib.Path(bin_dir) / "mcp-everything-server"), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        self.returncode = None
        self._output = ""
        deadline = time.time() + 10
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"http://[0-9.:\[\]]+:(\d+)(/[^\"\s]*)", line)
            if m:
                self.url = f"http://localhost:{m.group(1)}{m.group(2)}"
                return
        self.proc.kill()
        raise SystemExit("mcp-everything-server did not print its URL within 10 s")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._output = self.proc.stdout.read()
        self.returncode = self.proc.returncode

    def output(self):
        return self._output

    def report(self):
        return 0


# Scenarios that need state shared between server instances, which AWS Lambda
# does not give: each invocation may run on another instance, and a busy one
# never receives a second request. Through the Lambda double they must end
# exactly this way (a fast, clear error or a SHOULD-level warning), nothing else.
LAMBDA_NOT_APPLICABLE = {
    # A legacy session's reply to sampling/elicitation is a new POST, i.e. a
    # new invocation on another instance than the one waiting for it.
    "tools-call-sampling": ("FAILURE", "AWS Lambda without shared session state"),
    "tools-call-elicitation": ("FAILURE", "AWS Lambda without shared session state"),
    "elicitation-sep1034-defaults": ("FAILURE", "AWS Lambda without shared session state"),
    "elicitation-sep1330-enums": ("FAILURE", "AWS Lambda without shared session state"),
    # The list is changed by a call on one instance; the listen stream is
    # held open by another.
    "server-stateless": ("WARNING", "list_changed arrived on the open subscription stream"),
}


def not_applicable_on_lambda(results, names):
    """The subset of `names` that failed only in the documented Lambda way."""
    out = []
    for name in names:
        expected = LAMBDA_NOT_APPLICABLE.get(name)
        r = results.get(name)
        if not expected or not r:
            continue
        status, text = expected
        if status == "WARNING" and r["FAILURE"]:
            continue
        if all(p.startswith(status) and text in p for p in r["problems"]):
            out.append(name)
            print(f"n/a  {name}: needs state shared between Lambda instances ({status.lower()} as documented)")
    return out


class LambdaServer:
    """mcp-everything-server in Lambda mode behind the loopback Lambda + API Gateway double."""

    def __init__(self, bin_dir, via):
        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "doubles"))
        import lambda_double  # noqa: E402
        event, _, mode = via.partition("-")
        if event not in ("rest", "url") or mode not in ("streaming", "buffered"):
            raise SystemExit(f"--via-lambda wants rest|url-streaming|buffered, got {via!r}")
        self.double = lambda_double.LambdaDouble(str(pathlib.Path(bin_dir) / "mcp-everything-server"), [],
                                                 event=event, mode=mode, timeout=60, max_instances=16)
        self.double.start()
        self.url = self.double.base_url("localhost") + "/mcp"
        self.returncode = None

    def stop(self):
        self.double.close()
        # Instances the double killed, retired or stopped before they reached
        # /next (still starting up) have no clean exit to check.
        codes = [i["exit_code"] for i in self.double.instances_json()
                 if not i["killed_by_double"] and not i["retired"] and i["first_next"] is not None]
        self.returncode = next((c for c in codes if c != 0), 0)

    def output(self):
        lines = []
        for inst in self.double.instances_json(with_lines=True):
            lines.append(f"--- instance {inst['instance']} pid {inst['pid']} exit {inst['exit_code']}")
            lines += inst["lines"][-20:]
        return "\n".join(lines)

    def report(self):
        """Prints what the double saw; returns the number of problems."""
        invs = self.double.invocations_json()
        insts = self.double.instances_json()
        by_status = {}
        for i in invs:
            by_status[i["status"]] = by_status.get(i["status"], 0) + 1
        print(f"lambda double: {len(invs)} invocations {by_status} on {len(insts)} instances; "
              f"{len(self.double.violations)} protocol violations")
        for i in invs:
            if i["status"] not in ("ok",):
                print(f"  invocation {i['method']} {i['path']} -> {i['status']} (HTTP {i['http_status']}, "
                      f"{(i['ended'] or 0) - (i['delivered'] or i['created']):.1f} s): {i['error']}")
        for v in self.double.violations:
            print(f"FAIL protocol violation: {v['message']}")
        return len(self.double.violations)


def main():
    args = sys.argv[1:]
    via = None
    if "--via-lambda" in args:
        i = args.index("--via-lambda")
        via = args[i + 1] if i + 1 < len(args) else ""
        del args[i:i + 2]
    if len(args) < 2:
        raise SystemExit(__doc__)
    bin_dir, package_dir, suite_args = args[0], args[1], args[2:]
    cli = pathlib.Path(package_dir) / "dist/index.js"
    if not (pathlib.Path(bin_dir) / "mcp-everything-server").is_file():
        print(f"SKIP: {bin_dir}/mcp-everything-server missing")
        return 77
    server = LambdaServer(bin_dir, via) if via is not None else LocalServer(bin_dir)
    try:
        with tempfile.TemporaryDirectory(prefix="mcp-conformance-") as out:
            cmd = [str(NODE), str(cli), "server", "--url", server.url, "-o", out, *suite_args]
            print("$", " ".join(cmd[1:]), flush=True)
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            results = collect(out)
    finally:
        server.stop()
    violations = server.report()
    # A clean exit after SIGTERM is part of the contract (and under the
    # sanitizers it means no memory error or leak was found).
    server_failed = server.returncode != 0
    if server_failed:
        print(f"FAIL mcp-everything-server exited with {server.returncode} after SIGTERM")
        print(server.output()[-4000:])

    scored = scored_set(package_dir, suite_args, "server")
    bad_scored, missing = report(results, scored)
    skipped = not_applicable_on_lambda(results, bad_scored) if via is not None else []
    bad_scored = [n for n in bad_scored if n not in skipped]
    if not results:
        print(run.stdout[-3000:], run.stderr[-3000:])
    # The suite exits non-zero whenever a scenario failed, the skipped ones too.
    suite_failed = run.returncode != 0 and not bad_scored and not skipped
    failed = (len(bad_scored) + len(missing) + (1 if suite_failed else 0) +
              (1 if server_failed else 0) + violations)
    total_scored = len([n for n in results if scored is None or n in scored]) + len(missing)
    if suite_failed:
        print(f"FAIL the suite exited with {run.returncode}")
        print(run.stdout[-2000:])
    passed = total_scored - len(bad_scored) - len(missing) - len(skipped)
    print(f"{passed} passed, {failed} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
