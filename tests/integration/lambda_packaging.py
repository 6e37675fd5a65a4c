#!/usr/bin/env python3
"""The AWS Lambda container image, checked without Docker.

Usage: lambda_packaging.py <bin-dir>      (bin-dir contains mcp-server)

The Dockerfile's build stage runs scripts/install-deps --build, scripts/build
and scripts/package-lambda; its runtime stage is FROM scratch + the rootfs that
scripts/package-lambda assembles. This test runs scripts/package-lambda on the
already-built binary into a temporary directory and then:

  1. checks the rootfs: dynamic loader at the binary's PT_INTERP path, every
     DT_NEEDED of every ELF present (mcp-server's closure and libcurl.so.4's,
     which mcp-server dlopen()s), libcurl's compiled-in CA bundle, passwd /
     group / nsswitch.conf / hosts, /tmp 1777, world-readable files, stripped
     binaries;
  2. runs mcp-server inside it with chroot(8) (a user namespace when not root):
     --help; `report --demo` (embedded sample data and price table, no data
     files); the HTTP server (--demo --port 0) answering initialize and
     tools/list on 127.0.0.1; and `report --source cloudwatch` against a
     loopback HTTPS server named "localhost", once with the shipped CA bundle
     (the self-signed certificate must be refused) and once with that
     certificate appended (the signed request must arrive) - this proves the
     dlopen of libcurl, OpenSSL, the CA path and NSS files resolution inside
     the image;
  3. lints the Dockerfile with dockerfile-utils (infra/node_modules) plus
     hadolint-style rules, and checks that its RUN steps are the scripts CI
     runs and that .dockerignore keeps the sources in the build context;
  4. prints the layer size (tar, and tar | gzip -9 as Docker/ECR store it)
     and fails above 50 MB compressed.

Exit 77 (skip) only when chroot is impossible here (not root and no user
namespaces), with the reason.
"""

import fnmatch
import http.client
import http.server
import json
import os
import re
import shutil
import ssl
import stat
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcp_process import McpServerProcess  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ENTRY = "/usr/local/bin/mcp-server"
MAX_COMPRESSED = 50 * 1000 * 1000
SECRET = "lambda-packaging-test-secret-0123456789"

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def run(cmd, timeout=120, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


# ---------------------------------------------------------------- chroot -----

def chroot_prefix(rootfs):
    """The command prefix that runs a program inside rootfs, or (None, reason)."""
    chroot = shutil.which("chroot", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if chroot is None:
        return None, "chroot(8) is not installed (coreutils)"
    unshare = shutil.which("unshare", path=os.environ.get("PATH", "") + ":/usr/bin:/bin")
    candidates = []
    if os.geteuid() == 0:
        candidates.append([chroot, rootfs])
    if unshare:
        candidates.append([unshare, "--user", "--map-root-user", chroot, rootfs])
    why = []
    for prefix in candidates:
        r = run([*prefix, ENTRY, "--help"], timeout=30)
        if r.returncode == 0:
            return prefix, None
        why.append(f"{' '.join(prefix[:3])}: exit {r.returncode}: {r.stderr.strip()[:200]}")
    if not candidates:
        why.append("not root and no unshare(1)")
    return None, "; ".join(why)


def chroot_is_impossible(reason):
    """True when the failure is a permission problem, not a broken rootfs."""
    return any(s in reason for s in ("Operation not permitted", "not root", "not installed",
                                     "Permission denied", "unshare failed"))


# ------------------------------------------------------------- ELF checks -----

def needed(path):
    r = run(["readelf", "-d", path])
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)


def interpreter(path):
    r = run(["readelf", "-l", path])
    m = re.search(r"Requesting program interpreter: ([^\]]+)\]", r.stdout)
    return m.group(1) if m else None


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def has_symtab(path):
    return ".symtab" in run(["readelf", "-S", "-W", path]).stdout


def check_rootfs(rootfs, host_binary):
    interp = interpreter(os.path.join(rootfs, ENTRY.lstrip("/")))
    check(interp is not None and os.path.isfile(os.path.join(rootfs, interp.lstrip("/"))),
          f"dynamic loader at its canonical path {interp}")
    libc = next((line.split()[2] for line in run(["ldd", host_binary]).stdout.splitlines()
                 if line.split()[:2] == ["libc.so.6", "=>"]), None)
    libdir = os.path.join(rootfs, os.path.dirname(libc).lstrip("/")) if libc else None
    check(libdir is not None and os.path.isdir(libdir), f"library directory {libdir}")
    if not libdir or not os.path.isdir(libdir):
        return
    curl = os.path.join(libdir, "libcurl.so.4")
    check(os.path.isfile(curl), "libcurl.so.4 (dlopen()ed by mcp-server) is in the rootfs")

    # Every DT_NEEDED of every ELF resolves inside the rootfs.
    missing = []
    elves = []
    for d, _, files in os.walk(rootfs):
        for name in files:
            p = os.path.join(d, name)
            if os.path.islink(p) or not is_elf(p):
                continue
            elves.append(p)
            for n in needed(p):
                if n != os.path.basename(interp or "") and not os.path.exists(os.path.join(libdir, n)):
                    missing.append(f"{os.path.relpath(p, rootfs)} needs {n}")
    check(not missing, "every DT_NEEDED resolves in the rootfs" + (f": {missing}" if missing else ""))
    # libcurl's closure as the host loader sees it (ldd on the host copy).
    host_curl = next((line.split()[-1] for line in run(["ldconfig", "-p"]).stdout.splitlines()
                      if line.strip().startswith("libcurl.so.4 ")), None)
    if host_curl:
        sonames = [line.split()[0] for line in run(["ldd", host_curl]).stdout.splitlines()
                   if "=>" in line and "/" in line]
        absent = [s for s in sonames if not os.path.exists(os.path.join(libdir, s))]
        check(not absent, f"libcurl's ldd closure ({len(sonames)} libraries) is complete"
              + (f": missing {absent}" if absent else ""))
    stripped = [os.path.relpath(p, rootfs) for p in elves if has_symtab(p)]
    check(not stripped, "binaries and libraries are stripped" + (f": {stripped} keep .symtab" if stripped else ""))

    # CA bundle at the path libcurl has compiled in.
    with open(curl, "rb") as f:
        curl_bytes = f.read()
    ca_paths = [m.decode() for m in re.findall(rb"/[a-z/_-]+/ca-certificates\.crt", curl_bytes)]
    ca = ca_paths[0] if ca_paths else "/etc/ssl/certs/ca-certificates.crt"
    ca_file = os.path.join(rootfs, ca.lstrip("/"))
    ok = os.path.isfile(ca_file) and b"BEGIN CERTIFICATE" in open(ca_file, "rb").read()
    check(ok, f"CA bundle at libcurl's compiled-in path {ca}")

    def etc(name):
        p = os.path.join(rootfs, "etc", name)
        return open(p).read() if os.path.isfile(p) else ""
    check(re.search(r"^nobody:x:65534:", etc("passwd"), re.M) is not None, "/etc/passwd has nobody")
    check(re.search(r"^nogroup:x:65534:", etc("group"), re.M) is not None, "/etc/group has nogroup")
    check(re.search(r"^hosts:\s+files dns\s*$", etc("nsswitch.conf"), re.M) is not None,
          "/etc/nsswitch.conf: hosts: files dns")
    check("localhost" in etc("hosts"), "/etc/hosts names localhost")
    tmp = os.lstat(os.path.join(rootfs, "tmp"))
    check(stat.S_ISDIR(tmp.st_mode) and stat.S_IMODE(tmp.st_mode) == 0o1777, "/tmp exists with mode 1777")

    # Lambda runs the entry point as an unprivileged user: everything must be
    # world-readable, executables world-executable, nothing setuid.
    bad = []
    for d, dirs, files in os.walk(rootfs):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = stat.S_IMODE(st.st_mode)
            if mode & 0o004 == 0 or (stat.S_ISDIR(st.st_mode) and mode & 0o001 == 0) or mode & 0o6000:
                bad.append(f"{os.path.relpath(p, rootfs)} {oct(mode)}")
    entry = os.path.join(rootfs, ENTRY.lstrip("/"))
    check(not bad and os.access(entry, os.X_OK) and os.stat(entry).st_mode & 0o001,
          "files world-readable, entry point world-executable, no setuid" + (f": {bad}" if bad else ""))
    return ca


# ------------------------------------------------------------ HTTPS peer -----

class _Handler(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Handler.seen.append({"path": self.path, "auth": self.headers.get("Authorization", ""),
                              "target": self.headers.get("X-Amz-Target", ""), "body": body[:200]})
        out = json.dumps({"__type": "AccessDeniedException", "message": "lambda-packaging-probe"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def https_peer(workdir):
    """A loopback HTTPS server with a fresh self-signed certificate for localhost."""
    key, crt = os.path.join(workdir, "peer.key"), os.path.join(workdir, "peer.crt")
    r = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", crt], timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl req failed: {r.stderr.strip()}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, crt


# ----------------------------------------------------------- run in rootfs -----

def runs_in_rootfs(prefix, rootfs, ca, workdir):
    r = run([*prefix, ENTRY, "--help"], timeout=30)
    check(r.returncode == 0 and "bedrock-usage-mcp" in r.stdout, "chroot: mcp-server --help")
    r = run([*prefix, ENTRY, "report", "--help"], timeout=30)
    check(r.returncode == 0 and "--days" in r.stdout, "chroot: mcp-server report --help")

    # Embedded sample dataset and price table: nothing read from disk.
    r = run([*prefix, ENTRY, "report", "--demo", "--days", "30", "--format", "json"], timeout=60)
    report = None
    try:
        report = json.loads(r.stdout)
    except ValueError:
        pass
    report = report if isinstance(report, dict) else {}
    requests = (report.get("totals") or {}).get("requests", 0)
    priced = [ln for ln in (report.get("estimatedCost") or {}).get("lines", []) if ln.get("totalUsd", 0) > 0]
    check(r.returncode == 0 and requests > 0 and priced,
          f"chroot: report --demo --format json (embedded data and prices): exit {r.returncode}, "
          f"{requests} requests, {len(priced)} priced lines" + (f", stderr {r.stderr.strip()[:300]}" if r.returncode else ""))

    # The HTTP server: initialize and tools/list on loopback.
    srv = McpServerProcess("/usr/bin/env", [*prefix, ENTRY, "--demo", "--host", "127.0.0.1", "--port", "0"],
                           SECRET, "mcp-server (chroot)")
    try:
        url = srv.wait_url(30)
        host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
        conn = http.client.HTTPConnection(host, int(port), timeout=15)
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                           "clientInfo": {"name": "lambda-packaging-test", "version": "1"}}}
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        conn.request("POST", "/mcp", json.dumps(init), headers)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        session = resp.getheader("Mcp-Session-Id")
        msg = _first_json(body)
        name = ((msg or {}).get("result") or {}).get("serverInfo", {}).get("name")
        check(resp.status == 200 and name == "bedrock-usage-mcp",
              f"chroot: HTTP initialize on {url} -> {resp.status}, serverInfo.name={name!r}")
        h2 = dict(headers, **{"MCP-Protocol-Version": "2025-11-25"})
        if session:
            h2["Mcp-Session-Id"] = session
        conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), h2)
        conn.getresponse().read()
        conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), h2)
        resp = conn.getresponse()
        msg = _first_json(resp.read().decode("utf-8", "replace"))
        tools = [t.get("name") for t in ((msg or {}).get("result") or {}).get("tools", [])]
        check(resp.status == 200 and any("bedrock" in (t or "") for t in tools),
              f"chroot: HTTP tools/list -> {resp.status}, tools {tools}")
        conn.close()
    except Exception as e:  # noqa: BLE001
        check(False, f"chroot: HTTP server: {e}; stderr: {srv.tail()}")
    finally:
        code = srv.stop()
        check(code == 0, f"chroot: server stops cleanly on SIGTERM (exit {code})")

    # libcurl inside the image: HTTPS to "localhost" (NSS files + /etc/hosts),
    # verified against the image's CA bundle.
    server, crt = https_peer(workdir)
    try:
        env = {"PATH": "/usr/local/bin", "HOME": "/tmp", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "AKIDLAMBDAPACKAGING", "AWS_SECRET_ACCESS_KEY": "lambda-packaging-secret",
               "AWS_ENDPOINT_URL": f"https://localhost:{server.server_address[1]}",
               "AWS_EC2_METADATA_DISABLED": "true"}
        cmd = [*prefix, ENTRY, "report", "--source", "cloudwatch", "--days", "1"]
        r = run(cmd, timeout=90, env=env)
        err = (r.stderr + r.stdout).lower()
        check(r.returncode != 0 and not _Handler.seen and "certificate" in err,
              f"chroot: HTTPS to a self-signed peer is refused (CA verification on): exit {r.returncode}, "
              f"{(r.stderr or r.stdout).strip()[:200]!r}")
        with open(os.path.join(rootfs, ca.lstrip("/")), "ab") as f, open(crt, "rb") as c:
            f.write(b"\n" + c.read())
        r = run(cmd, timeout=90, env=env)
        signed = [s for s in _Handler.seen if s["auth"].startswith("AWS4-HMAC-SHA256 ")]
        check(bool(signed) and "lambda-packaging-probe" in (r.stderr + r.stdout),
              f"chroot: libcurl HTTPS request reaches https://localhost with the CA in the bundle "
              f"({len(signed)} signed requests; exit {r.returncode}, {(r.stderr or r.stdout).strip()[:200]!r})")
    finally:
        server.shutdown()
        server.server_close()


def _first_json(body):
    """The first JSON-RPC message of a JSON or SSE body."""
    body = body.strip()
    if body.startswith("{"):
        try:
            return json.loads(body)
        except ValueError:
            return None
    for line in body.splitlines():
        if line.startswith("data:"):
            try:
                return json.loads(line[5:].strip())
            except ValueError:
                continue
    return None


# ----------------------------------------------------------------- Dockerfile -----

def instructions(text):
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        kw, _, args = cur.partition(" ")
        out.append((kw.upper(), args.strip()))
        cur = ""
    return out


def check_dockerfile():
    dockerfile = os.path.join(ROOT, "Dockerfile")
    text = open(dockerfile).read()
    lint = os.path.join(ROOT, "infra", "node_modules", ".bin", "dockerfile-utils")
    if check(os.access(lint, os.X_OK), f"dockerfile-utils installed ({lint})"
             + ("" if os.access(lint, os.X_OK) else ": missing, run scripts/install-deps (npm ci in infra/)")):
        r = run([lint, "lint", dockerfile], timeout=60, cwd=ROOT)
        out = (r.stdout + r.stderr).strip()
        check(r.returncode == 0 and not out, "dockerfile-utils lint Dockerfile: clean" + (f":\n{out}" if out else ""))

    ins = instructions(text)
    froms = [a for k, a in ins if k == "FROM"]
    for a in froms:
        words = [w for w in a.split() if not w.startswith("--")]
        image = words[0] if words else ""
        pinned = image == "scratch" or "@sha256:" in image or (
            ":" in image.split("/")[-1] and not image.endswith(":latest"))
        check(pinned, f"FROM {image}: pinned tag or digest, not latest")
        check("$BUILDPLATFORM" not in a and "${BUILDPLATFORM}" not in a,
              f"FROM {image}: no --platform=$BUILDPLATFORM (we build natively, not cross)")
    check(bool(froms) and froms[-1].split()[0] == "scratch", "runtime stage is FROM scratch")
    check(not any(k == "ADD" for k, _ in ins), "no ADD (COPY only; no remote URLs)")
    check(not any(k == "MAINTAINER" for k, _ in ins), "no deprecated MAINTAINER")
    runs = [a for k, a in ins if k == "RUN"]
    joined = "\n".join(runs)
    check("scripts/install-deps --build" in joined, "a RUN step calls scripts/install-deps --build")
    check(re.search(r"(^|\s)scripts/build(\s|$)", joined) is not None, "a RUN step calls scripts/build")
    check("scripts/package-lambda" in joined, "a RUN step calls scripts/package-lambda")
    check(not re.search(r"\bapt(-get)?\s", joined),
          "no apt-get in RUN steps (packages come from scripts/install-deps, as in CI)")
    install_deps = open(os.path.join(ROOT, "scripts", "install-deps")).read()
    check(all("--no-install-recommends" in line for line in install_deps.splitlines()
              if re.search(r"apt-get\b.*\binstall\b", line) and not line.lstrip().startswith("#")),
          "scripts/install-deps: every apt-get install uses --no-install-recommends")
    m = re.search(r"scripts/package-lambda\b.*--out\s+(\S+)", joined)
    out_dir = m.group(1).rstrip("/") if m else None
    copies = [a for k, a in ins if k == "COPY" and "--from=" in a]
    check(out_dir is not None and any(f"{out_dir}/rootfs" in a.split()[-2] and a.split()[-1] == "/" for a in copies),
          f"the runtime stage copies scripts/package-lambda's {out_dir}/rootfs to /")
    entry = [a for k, a in ins if k == "ENTRYPOINT"]
    try:
        ep = json.loads(entry[-1]) if entry else None
    except ValueError:
        ep = None
    check(ep == [ENTRY], f"ENTRYPOINT in exec form is [\"{ENTRY}\"] (got {entry[-1] if entry else None})")
    check(not any(k == "USER" for k, _ in ins) and "Lambda ignores it" in text,
          "no USER: Lambda runs the entry point as its own user (justified in a comment)")

    # .dockerignore must keep what the build needs and drop the heavy trees.
    ignore = [ln.strip() for ln in open(os.path.join(ROOT, ".dockerignore")) if ln.strip() and not ln.startswith("#")]

    def ignored(path):
        verdict = False
        for pat in ignore:
            neg = pat.startswith("!")
            p = pat[1:] if neg else pat
            parts = path.split("/")
            prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
            if any(fnmatch.fnmatch(pre, p) or (p.startswith("**/") and fnmatch.fnmatch(pre.split("/")[-1], p[3:]))
                   for pre in prefixes):
                verdict = not neg
        return verdict
    needed_paths = ["CMakeLists.txt", "CMakePresets.json", "src/CMakeLists.txt", "apps/CMakeLists.txt",
                    "cmake/embed_file.cmake", "data/bedrock-prices.json", "scripts/install-deps",
                    "scripts/build", "scripts/package-lambda"]
    kept = [p for p in needed_paths if ignored(p)]
    check(not kept, ".dockerignore keeps the build inputs" + (f": ignores {kept}" if kept else ""))
    heavy = ["build/release/bin/mcp-server", ".git/HEAD", "tests/interop/node_modules/x", "infra/node_modules/x"]
    leaked = [p for p in heavy if not ignored(p)]
    check(not leaked, ".dockerignore drops build trees, .git and node_modules" + (f": keeps {leaked}" if leaked else ""))


# ---------------------------------------------------------------------- main -----

def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    bin_dir = os.path.abspath(sys.argv[1])
    host_binary = os.path.join(bin_dir, "mcp-server")
    if not os.access(host_binary, os.X_OK):
        print(f"FAIL no mcp-server in {bin_dir}")
        return 1

    check_dockerfile()

    work = tempfile.mkdtemp(prefix="lambda-packaging-")
    try:
        r = run([os.path.join(ROOT, "scripts", "package-lambda"), "--build-dir", bin_dir, "--out", work], timeout=600)
        sys.stdout.write(r.stdout)
        if not check(r.returncode == 0, f"scripts/package-lambda exit {r.returncode}"
                     + (f": {r.stderr.strip()}" if r.returncode else "")):
            return 1
        rootfs = os.path.join(work, "rootfs")
        sizes = dict(line.split("=", 1) for line in open(os.path.join(work, "sizes.txt")).read().splitlines()
                     if re.match(r"^\w+_bytes=\d+$", line))
        compressed = int(sizes.get("compressed_bytes", "0"))
        uncompressed = int(sizes.get("uncompressed_bytes", "0"))
        print(f"image layer: {uncompressed} bytes uncompressed, {compressed} bytes compressed (gzip -9)")
        check(0 < compressed <= MAX_COMPRESSED,
              f"compressed image {compressed / 1e6:.1f} MB <= {MAX_COMPRESSED / 1e6:.0f} MB")

        ca = check_rootfs(rootfs, host_binary) or "/etc/ssl/certs/ca-certificates.crt"

        prefix, why = chroot_prefix(rootfs)
        if prefix is None:
            if chroot_is_impossible(why) and not failures:
                print(f"SKIP chroot is impossible here: {why}")
                return 77
            check(False, f"mcp-server runs in the rootfs: {why}")
        else:
            print(f"running inside the rootfs with: {' '.join(prefix[:-1])} <rootfs>", flush=True)
            runs_in_rootfs(prefix, rootfs, ca, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if failures:
        print(f"{len(failures)} check(s) failed:")
        for f in failures:
            print(f"  - {f}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
