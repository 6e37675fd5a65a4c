#!/usr/bin/env python3
"""Cold start of an MCP server: exec -> first complete `initialize` response.

Forks, pins the child to --cpu, execs the server command (which must listen on
127.0.0.1:--port), then tries connect() + POST initialize in a tight loop from
this process (pin it elsewhere, e.g. `taskset -c 1`). The clock starts just
before fork() and stops when the whole initialize response has been read (JSON
body by Content-Length, or the SSE event carrying the result). The server is
then stopped with SIGTERM (SIGKILL after 2 s) and the next run waits until the
port is free again. Prints one JSON object: median/min/max/samples in ms.

Usage: coldstart.py --port P [--runs 20] [--cpu 0] [--env K=V ...] -- CMD ARGS...
"""
import argparse
import json
import os
import signal
import socket
import statistics
import sys
import time

INIT_BODY = (
    b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
    b'"capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
)


def request_bytes(port):
    return (
        b"POST /mcp HTTP/1.1\r\n"
        + f"Host: 127.0.0.1:{port}\r\n".encode()
        + b"Content-Type: application/json\r\n"
        b"Accept: application/json, text/event-stream\r\n"
        + f"Content-Length: {len(INIT_BODY)}\r\n".encode()
        + b"Connection: close\r\n\r\n"
        + INIT_BODY
    )


def read_initialize_response(sock):
    """Reads until the initialize result is complete; returns (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before headers")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed mid-body")
            rest += chunk
        return status, rest[:n]
    # Chunked or close-delimited (SSE): done once the event with the result
    # has ended (blank line after it) or the peer closes.
    while True:
        if b'"protocolVersion"' in rest:
            tail = rest[rest.index(b'"protocolVersion"'):]
            if b"\n\n" in tail.replace(b"\r\n", b"\n"):
                return status, rest
        chunk = sock.recv(65536)
        if not chunk:
            return status, rest
        rest += chunk


def cpu_ns(pid):
    """CPU time the process (all threads) has run so far, from schedstat."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except OSError:
                pass
    except OSError:
        pass
    return total


def port_free(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def one_run(cmd, env, port, cpu, req, timeout_s):
    deadline = time.monotonic() + 5
    while not port_free(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} still in use")
        time.sleep(0.01)
    devnull = os.open(os.devnull, os.O_RDWR)
    r, w = os.pipe()  # both close-on-exec
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(r)
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.write(w, str(time.perf_counter_ns()).encode())
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    os.close(devnull)
    os.close(w)
    t_listen = None
    try:
        end = time.monotonic() + timeout_s
        while True:
            if time.monotonic() > end:
                raise RuntimeError("timed out waiting for the initialize response")
            s = socket.socket()
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                wpid, _ = os.waitpid(pid, os.WNOHANG)
                if wpid != 0:
                    pid = 0
                    raise RuntimeError("server exited before answering")
                continue
            if t_listen is None:
                t_listen = time.perf_counter_ns()
            try:
                s.sendall(req)
                status, body = read_initialize_response(s)
            except OSError:
                continue  # accepted before the handler was ready; try again
            finally:
                s.close()
            t1 = time.perf_counter_ns()
            if status != 200 or b"protocolVersion" not in body:
                raise RuntimeError(f"bad initialize response {status}: {body[:200]!r}")
            t0 = int(os.read(r, 64).decode())
            return (t1 - t0) / 1e6, (t_listen - t0) / 1e6, cpu_ns(pid) / 1e6
    finally:
        os.close(r)
        if pid:
            os.kill(pid, signal.SIGTERM)
            stop_by = time.monotonic() + 2
            while True:
                wpid, _ = os.waitpid(pid, os.WNOHANG)
                if wpid != 0:
                    break
                if time.monotonic() > stop_by:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.005)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=10.0, help="per run, seconds")
    ap.add_argument("--env", action="append", default=[], help="K=V for the server")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("missing server command")
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    req = request_bytes(a.port)
    runs = [one_run(cmd, env, a.port, a.cpu, req, a.timeout) for _ in range(a.runs)]
    samples = [x for x, _, _ in runs]
    print(
        json.dumps(
            {
                "median_ms": round(statistics.median(samples), 3),
                "listen_median_ms": round(statistics.median(y for _, y, _ in runs), 3),
                "cpu_median_ms": round(statistics.median(z for _, _, z in runs), 3),
                "min_ms": round(min(samples), 3),
                "max_ms": round(max(samples), 3),
                "runs": len(samples),
                "samples_ms": [round(x, 3) for x in samples],
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(f"coldstart.py: {e}", file=sys.stderr)
        sys.exit(1)
