#!/usr/bin/env python3
"""The mcp-client REPL as a person uses it, driven through tmux.

Usage: client_repl.py <bin-dir>      (bin-dir contains mcp-server and mcp-client)

One mcp-server is started on 127.0.0.1 (port 0: the kernel picks a free one).
Then, once per protocol era (negotiated 2026-07-28, and 2025-11-25 with its
session), mcp-client runs in a tmux pane on a private tmux socket, with a
clean HOME and XDG_CONFIG_HOME in a temporary directory, and the test types:

  connect                    -> "Successfully connected"
  list-tools                 -> greet and multi-greet listed
  greet Alice                -> "Hello, Alice!"
  multi-greet Bob            -> the three log notifications appear BEFORE the result
  list-t<Tab>                -> completed to list-tools
  multi-greet Dan, Ctrl-C    -> "Request cancelled." and the prompt comes back
  call-tool greet {bad json  -> a JSON error naming the position
  frobnicate                 -> "Unknown command: frobnicate"
  quit                       -> "Goodbye!", the process exits 0

It also checks that the history file exists with mode 0600, and that quitting
a 2025-11-25 session sent a DELETE to the server. Last, against
mcp-everything-server, a tool's elicitation is answered field by field: a typed
value, a default taken with Enter, an invalid number re-asked, an enum choice
by number.

Prints "ok <check>" / "FAIL <check>: ..." lines and exits 1 on any failure,
77 (skip) when tmux is not installed. Stdlib only; every wait is bounded; the
tmux server and the mcp-server are always stopped.
"""

import os
import re
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcp_process import McpServerProcess  # noqa: E402

STARTUP_TIMEOUT_S = 10.0
STEP_TIMEOUT_S = 10.0
POLL_S = 0.1
PANE_WIDTH = 160
PANE_HEIGHT = 60
EXIT_MARKER = "mcp-client exited with status"

failures = []


def report(ok, name, detail=""):
    print(f"ok {name}" if ok else f"FAIL {name}: {detail}", flush=True)
    if not ok:
        failures.append(name)


class Pane:
    """One tmux server on a private socket with a single pane."""

    def __init__(self, command, env):
        self.socket = f"mcp-client-test-{os.getpid()}-{secrets.token_hex(4)}"
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", "repl", "-x", str(PANE_WIDTH), "-y",
                   str(PANE_HEIGHT), command, env=env)

    def _tmux(self, *args, env=None, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], env=env, check=check, timeout=10,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def send(self, *keys):
        self._tmux("send-keys", "-t", "repl", *keys)

    def type_line(self, text):
        self._tmux("send-keys", "-t", "repl", "-l", text)
        self._tmux("send-keys", "-t", "repl", "Enter")

    def text(self):
        """The pane's text so far (scrollback included, wrapped lines joined, the empty rows below it dropped),
        so that len(text()) is where the next output will appear."""
        result = self._tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", "repl", check=False)
        return result.stdout.rstrip("\n")

    def wait_for(self, pattern, after=0, timeout=STEP_TIMEOUT_S):
        """Waits until `pattern` (a regex) matches the pane text from offset `after`; the match or None."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            match = re.compile(pattern, re.M).search(text, after)
            if match or time.monotonic() > deadline:
                return match
            time.sleep(POLL_S)

    def close(self):
        self._tmux("kill-server", check=False)


def client_command(bin_dir, url, version):
    client = os.path.join(bin_dir, "mcp-client")
    args = [client, "--url", url, "--timeout", "20"]
    if version:
        args += ["--protocol-version", version]
    # The exit status stays visible in the pane after the client ends.
    return (" ".join(shlex.quote(a) for a in args) +
            f"; echo \"{EXIT_MARKER} $?\"; sleep 600")


def run_era(bin_dir, server, version):
    label = version or "auto"
    home = tempfile.mkdtemp(prefix="mcp-client-repl-")
    pane = None
    try:
        env = {"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"), "PATH": os.environ.get("PATH", ""),
               "TERM": "xterm-256color", "LANG": "C.UTF-8", "NO_COLOR": "1", "TMPDIR": home}
        pane = Pane(client_command(bin_dir, server.url, version), env)

        report(pane.wait_for(r"^> ") is not None, f"{label}: prompt shown", pane.text()[-300:])

        start = len(pane.text())
        pane.type_line("connect")
        report(pane.wait_for(r"Successfully connected to MCP server", start) is not None, f"{label}: connect",
               pane.text()[-400:])

        start = len(pane.text())
        pane.type_line("list-tools")
        ok = pane.wait_for(r"- multi-greet:", start) is not None and "- greet:" in pane.text()[start:]
        report(ok, f"{label}: list-tools", pane.text()[-400:])

        start = len(pane.text())
        pane.type_line("greet Alice")
        report(pane.wait_for(r"Hello, Alice!", start) is not None, f"{label}: greet Alice", pane.text()[-300:])

        start = len(pane.text())
        pane.type_line("multi-greet Bob")
        result = pane.wait_for(r"Good morning, Bob!", start)
        text = pane.text()
        if result is None:
            report(False, f"{label}: multi-greet Bob", text[-500:])
        else:
            positions = [text.find(n, start) for n in ("Starting multi-greet for Bob", "Sending first greeting to Bob",
                                                       "Sending second greeting to Bob")]
            ok = all(0 <= p < result.start() for p in positions) and positions == sorted(positions)
            report(ok, f"{label}: multi-greet notifications before the result", text[start:][-600:])

        pane.wait_for(r"^> $", max(0, len(pane.text()) - 3), timeout=3)
        start = len(pane.text())
        pane.send("-l", "list-t")
        pane.send("Tab")
        completed = pane.wait_for(r"list-tools", start, timeout=5)  # "list-t" alone does not match
        pane.send("C-u")
        report(completed is not None, f"{label}: tab completion", pane.text()[-200:])

        start = len(pane.text())
        pane.type_line("multi-greet Dan")
        started = pane.wait_for(r"Starting multi-greet for Dan", start)
        if started is None:
            report(False, f"{label}: Ctrl-C cancels a request", "multi-greet did not start: " + pane.text()[-300:])
        else:
            pane.send("C-c")
            cancelled = pane.wait_for(r"Request cancelled\.", start)
            prompt_back = pane.wait_for(r"^> $", start)
            ok = cancelled is not None and prompt_back is not None and "Good morning, Dan!" not in pane.text()[start:]
            report(ok, f"{label}: Ctrl-C cancels a request", pane.text()[start:][-400:])

        start = len(pane.text())
        pane.type_line("call-tool greet {bad json")
        report(pane.wait_for(r"invalid JSON arguments at character \d+", start) is not None,
               f"{label}: bad JSON is an error", pane.text()[-300:])

        start = len(pane.text())
        pane.type_line("frobnicate")
        report(pane.wait_for(r"Unknown command: frobnicate", start) is not None, f"{label}: unknown command",
               pane.text()[-300:])

        start = len(pane.text())
        pane.type_line("quit")
        goodbye = pane.wait_for(r"Goodbye!", start)
        exited = pane.wait_for(re.escape(EXIT_MARKER) + r" (\d+)", start)
        ok = goodbye is not None and exited is not None and exited.group(1) == "0"
        report(ok, f"{label}: quit says Goodbye! and exits 0", pane.text()[start:][-300:])

        history = os.path.join(home, ".config", "mcp-client", "history")
        if os.path.exists(history):
            mode = stat.S_IMODE(os.stat(history).st_mode)
            with open(history, encoding="utf-8", errors="replace") as f:
                has_lines = "greet" in f.read()
            report(mode == 0o600 and has_lines, f"{label}: history file 0600", f"mode {oct(mode)}")
        else:
            report(False, f"{label}: history file 0600", "no history file at " + history)
    finally:
        if pane is not None:
            pane.close()
        shutil.rmtree(home, ignore_errors=True)


def run_elicitation(bin_dir):
    """Answers the SEP-1034 defaults form of mcp-everything-server by hand."""
    server = McpServerProcess(os.path.join(bin_dir, "mcp-everything-server"),
                              ["--host", "127.0.0.1", "--port", "0", "--log-level", "warn"],
                              secrets.token_hex(16), "mcp-everything-server", keep_lines=200)
    home = tempfile.mkdtemp(prefix="mcp-client-elicit-")
    pane = None
    try:
        server.wait_url(STARTUP_TIMEOUT_S)
        env = {"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"), "PATH": os.environ.get("PATH", ""),
               "TERM": "xterm-256color", "LANG": "C.UTF-8", "NO_COLOR": "1", "TMPDIR": home}
        pane = Pane(client_command(bin_dir, server.url, "2025-11-25"), env)
        report(pane.wait_for(r"^> ") is not None, "elicitation: prompt shown", pane.text()[-300:])
        start = len(pane.text())
        pane.type_line("call-tool test_elicitation_sep1034_defaults {}")
        steps = [  # (prompt pattern, what the person types)
            (r"age \(.*\) \[30\]: $", "41"),
            (r"name \(.*\) \[John Doe\]: $", ""),
            (r"score \(.*\) \[95\.5\]: $", "lots"),
            (r"Invalid: enter a number", None),
            (r"score \(.*\) \[95\.5\]: $", "7.25"),
            (r"status \(.*\) \[active\]: $", "3"),
            (r"verified \(.*\) \[true\]: $", "no"),
        ]
        ok = True
        for pattern, answer in steps:
            match = pane.wait_for(pattern, start)
            if match is None:
                ok = False
                report(False, f"elicitation: asked {pattern}", pane.text()[start:][-500:])
                break
            start = match.end()
            if answer is not None:
                pane.type_line(answer)
        if ok:
            expected = r'content=\{"age":41,"name":"John Doe","score":7\.25,"status":"pending","verified":false\}'
            report(pane.wait_for(r"action=accept, " + expected, start) is not None,
                   "elicitation: answers field by field with defaults", pane.text()[-600:])
        pane.type_line("quit")
    finally:
        if pane is not None:
            pane.close()
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    if shutil.which("tmux") is None:
        print("skip: tmux is not installed")
        return 77
    bin_dir = os.path.abspath(sys.argv[1])
    for name in ("mcp-server", "mcp-everything-server", "mcp-client"):
        if not os.access(os.path.join(bin_dir, name), os.X_OK):
            print(f"FAIL setup: {name} not found in {bin_dir}")
            return 1

    server = McpServerProcess(os.path.join(bin_dir, "mcp-server"),
                              ["--host", "127.0.0.1", "--port", "0", "--log-level", "info"],
                              secrets.token_hex(16), "mcp-server", keep_lines=2000)
    try:
        server.wait_url(STARTUP_TIMEOUT_S)
        run_era(bin_dir, server, None)
        deletes_before = len(server.requests(method="DELETE"))
        run_era(bin_dir, server, "2025-11-25")
        deletes = len(server.requests(method="DELETE")) - deletes_before
        report(deletes >= 1, "2025-11-25: quit ends the session with DELETE", f"{deletes} DELETE requests logged")
    finally:
        server.stop()
    run_elicitation(bin_dir)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
