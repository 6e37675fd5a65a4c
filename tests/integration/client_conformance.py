#!/usr/bin/env python3
"""Runs the official MCP conformance suite's CLIENT scenarios against mcp-client.

usage: client_conformance.py BIN_DIR PACKAGE_DIR [suite arguments...]

  PACKAGE_DIR   tests/interop/node_modules/<conformance package alias>
  suite args    e.g. --suite all, or --requirements 2026-07-28

The suite starts its mock servers and runs `mcp-client --conformance <url>`
once per scenario (in parallel). Every checks.json it writes is read: scored
scenarios (all of them for a --suite run; the requirement set's client list
for --requirements) must have no FAILURE and no WARNING. Not-scored scenarios
are reported with their outcome, not enforced.
"""
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from conformance_results import NODE, collect, report, scored_set  # noqa: E402


def show_client_output(scenario_dir):
    for name in ("stderr.txt", "stdout.txt"):
        path = scenario_dir / name
        if path.exists():
            text = path.read_text(errors="replace").strip()
            if text:
                print(f"        --- client {name} (last lines)")
                for line in text.splitlines()[-12:]:
                    print("        |", line)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    bin_dir, package_dir, suite_args = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    client = bin_dir / "mcp-client"
    if not client.exists():
        raise SystemExit(f"{client} is missing")
    cli = pathlib.Path(package_dir) / "dist/index.js"
    with tempfile.TemporaryDirectory(prefix="mcp-client-conformance-") as out:
        # The runner splits the command on spaces and appends the server URL.
        cmd = [str(NODE), str(cli), "client", "--command", f"{client} --conformance", "-o", out, *suite_args]
        print("$", " ".join(cmd[1:]), flush=True)
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        results = collect(out)
        scored = scored_set(package_dir, suite_args, "client")
        bad_scored, missing = report(results, scored, show_client_output)
    if not results:
        print(run.stdout[-3000:], run.stderr[-3000:])
    failed = len(bad_scored) + len(missing)
    if run.returncode != 0 and not failed:
        print(f"FAIL the suite exited with {run.returncode}")
        print(run.stdout[-2000:])
        failed += 1
    total = len([n for n in results if scored is None or n in scored]) + len(missing)
    print(f"{total - len(bad_scored) - len(missing)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
