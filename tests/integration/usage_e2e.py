#!/usr/bin/env python3
"""mcp-server's Bedrock usage reports end to end over the loopback AWS double.

The double (tests/doubles/aws_double.py) speaks CloudWatch Logs, Logs
Insights, Cost Explorer and STS and verifies every request's SigV4 signature
with botocore. Checked here, against the independent Python reference of
bedrock_reference.py:
  * `mcp-server report` with source cloudwatch (fan-out over time slices,
    small pages, empty pages with a nextToken, page latency), insights, auto;
  * the Insights 200-field limit: auto falls back to FilterLogEvents;
  * a throttling storm, injected throttles and 5xx: retried, same answer;
  * clear errors: missing log group, access denied, bad credentials;
  * aws_account_id: STS AssumeRole of the configured role, and an expired
    session refreshed transparently by a running server;
  * Cost Explorer billed spend;
  * over MCP: the tools, structuredContent, progress notifications,
    list_bedrock_log_groups and completions.

usage: usage_e2e.py <bin-dir>
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bedrock_reference import END, START, expected, make_records  # noqa: E402
from mcp_process import McpServerProcess  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "..", "doubles", "aws_double.py")
GROUP = "/aws/bedrock/modelinvocations"
ROLE_ACCOUNT = "210987654321"
ROLE_NAME = "usage-reader"
FAILURES = []


class Double:
    def __init__(self, tmp, data_path, cost_path, extra=()):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", DOUBLE, "--log-group", f"{GROUP}={data_path}", "--log-group",
             f"/aws/bedrock/big-bodies={os.path.join(tmp, 'big.jsonl')}", "--log-group", "/other/app=",
             "--cost-data", cost_path, "--role", f"arn:aws:iam::{ROLE_ACCOUNT}:role/{ROLE_NAME}={ROLE_ACCOUNT}",
             *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("READY "):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("the AWS double exited: " + self.proc.stderr.read()[-2000:])
        if not line.startswith("READY "):
            raise RuntimeError("the AWS double did not start")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def config(self, **cfg):
        return self.control("/_double/config", cfg)

    def stats(self):
        return self.control("/_double/stats")

    def reset(self):
        # "reset" restores the double's defaults, which drops the roles given on its command line.
        self.control("/_double/config", {"reset": True,
                                         "roles": {f"arn:aws:iam::{ROLE_ACCOUNT}:role/{ROLE_NAME}": ROLE_ACCOUNT}})
        self.control("/_double/reset-stats", {})

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        FAILURES.append(name)


def counts_of(rows, key):
    return {r[key]: {k: r[k] for k in ("requests", "inputTokens", "outputTokens", "cacheReadTokens",
                                       "cacheWriteTokens", "errors")} for r in rows}


def same_report(got, want):
    """Compares a report's JSON with the reference; returns a difference or ''."""
    totals = {k: got["totals"][k] for k in want["totals"]}
    if totals != want["totals"]:
        return f"totals {totals} != {want['totals']}"
    if counts_of(got["daily"], "date") != want["daily"]:
        return "daily rows differ"
    for section in ("regions", "models", "users", "operations"):
        if counts_of(got[section], "key") != want[section]:
            return f"{section} differ: {json.dumps(counts_of(got[section], 'key'))[:600]}"
    return ""


def aws_env(double, tmp, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("BEDROCK_")}
    env.update({"AWS_ENDPOINT_URL": double.url, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AWS_REGION": "us-east-1",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true", "HOME": tmp})
    env.update(extra)
    return env


def report(binary, env, *args, timeout=120):
    cmd = [binary, "report", "--start", START.isoformat(), "--end", END.isoformat(), "--format", "json", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    data = None
    if proc.returncode == 0:
        data = json.loads(proc.stdout)
    return proc.returncode, data, proc.stderr.strip()


def write_data(tmp):
    rng = random.Random(7)
    # Clean data (no bad timestamps, no records without token counts): Logs
    # Insights must then give exactly FilterLogEvents' answer.
    lines = [line for line, _ in make_records(rng, clean=True)]
    path = os.path.join(tmp, "logs.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    # Records whose bodies push the token counts past Insights' 200 fields.
    big = []
    for i in range(40):
        rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
               "timestamp": f"2026-03-0{2 + i % 3}T1{i % 10}:00:00Z", "accountId": "123456789012",
               "identity": {"arn": "arn:aws:iam::123456789012:user/bulk"}, "region": "us-east-1",
               "requestId": f"big-{i}", "operation": "Converse", "modelId": "amazon.nova-pro-v1:0",
               "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": f"m{j}"}]}
                                                        for j in range(150)]},
                         "inputTokenCount": 100 + i},
               "output": {"outputBodyJson": {"output": {"message": {"content": [{"text": "ok"}]}}},
                          "outputTokenCount": 10 + i}}
        big.append(json.dumps(rec))
    with open(os.path.join(tmp, "big.jsonl"), "w") as f:
        f.write("\n".join(big) + "\n")
    cost = []
    for d in range(1, 8):
        for service, usage_type, usd in (("Amazon Bedrock", "USE1-NovaLite-input-tokens", 0.0123 * d),
                                         ("Amazon Bedrock Service", "USE1-Claude4.5Sonnet-output-tokens", 1.5 * d),
                                         ("Amazon EC2", "USE1-BoxUsage", 99.0)):
            cost.append({"date": f"2026-03-0{d}", "service": service, "usage_type": usage_type, "cost": usd,
                         "quantity": 10.0 * d, "unit": "N/A"})
    cost_path = os.path.join(tmp, "cost.json")
    with open(cost_path, "w") as f:
        json.dump(cost, f)
    return lines, path, cost_path


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not os.path.exists("/usr/bin/python3") or subprocess.run(
            ["/usr/bin/python3", "-c", "import botocore"], capture_output=True).returncode != 0:
        print("skip: Debian's python3-botocore is not installed")
        return 77
    binary = os.path.join(sys.argv[1], "mcp-server")
    tmp = tempfile.mkdtemp(prefix="usage-e2e-")
    double = None
    try:
        lines, data_path, cost_path = write_data(tmp)
        want, _ = expected(lines)
        double = Double(tmp, data_path, cost_path)
        env = aws_env(double, tmp)

        # --- FilterLogEvents fan-out, small pages, empty pages, latency ---
        double.config(page_events=40, empty_pages=1, empty_pages_every=3, latency_ms={"FilterLogEvents": 10})
        rc, got, err = report(binary, env, "--source", "cloudwatch", "--fetch-concurrency", "6", "--logs-tps", "200")
        check("cloudwatch report succeeds", rc == 0, err)
        if got:
            check("cloudwatch report matches the reference", same_report(got, want) == "", same_report(got, want))
            check("source used is cloudwatch", got["query"].get("sourceUsed") == "cloudwatch", str(got["query"]))
        s = double.stats()
        fle = s["ops"].get("FilterLogEvents", {})
        check("every request's signature verified by botocore", s.get("all_verified") is True,
              json.dumps(s.get("signatures")))
        check("FilterLogEvents fanned out (several in flight)", fle.get("max_in_flight", 0) > 1, json.dumps(fle))

        # --- Throttling storm and injected failures: same answer ---
        double.reset()
        double.config(page_events=60, throttle={"FilterLogEvents": 5}, throttle_next={"FilterLogEvents": 3},
                      fail_next_5xx={"FilterLogEvents": 2})
        rc, got, err = report(binary, env, "--source", "cloudwatch", "--fetch-concurrency", "8", "--logs-tps", "100")
        check("report survives a throttling storm", rc == 0, err)
        if got:
            check("throttled report still matches", same_report(got, want) == "", same_report(got, want))
        s = double.stats()
        fle = s["ops"].get("FilterLogEvents", {})
        check("throttles really happened", fle.get("throttled", 0) > 3, json.dumps(fle))

        # --- Logs Insights, and the 200-field fallback ---
        double.reset()
        double.config(query_delay_ms=200)
        rc, got, err = report(binary, env, "--source", "insights")
        check("insights report succeeds", rc == 0, err)
        if got:
            check("insights report matches the reference", same_report(got, want) == "", same_report(got, want))
        rc, got, err = report(binary, env, "--source", "auto")
        check("auto uses insights when exact", rc == 0 and got and got["query"].get("sourceUsed") == "insights",
              err or str(got and got["query"]))
        rc, got, err = report(binary, env, "--source", "auto", "--log-group", "/aws/bedrock/big-bodies")
        check("auto falls back to FilterLogEvents past 200 fields",
              rc == 0 and got and got["query"].get("sourceUsed") == "cloudwatch"
              and got["totals"]["inputTokens"] == sum(100 + i for i in range(40))
              and any("200" in n for n in got.get("notes", [])), err or json.dumps(got and got.get("notes")))
        rc, got, err = report(binary, env, "--source", "insights", "--log-group", "/aws/bedrock/big-bodies")
        check("explicit insights warns about the undercount",
              rc == 0 and got and any("too low" in n for n in got.get("notes", [])), err)

        # --- Cancellation stops a running Insights query (StopQuery) ---
        double.reset()
        double.config(query_delay_ms=30000)
        proc = subprocess.Popen([binary, "report", "--source", "insights", "--start", START.isoformat(), "--end",
                                 END.isoformat()], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            err = "did not exit"
        s = double.stats()
        check("Ctrl-C cancels the report and stops the query",
              proc.returncode == 1 and time.monotonic() - started < 10
              and s["ops"].get("StopQuery", {}).get("count", 0) == 1, f"{proc.returncode} {err} {s['ops'].get('StopQuery')}")

        # --- Clear errors ---
        rc, _, err = report(binary, env, "--source", "cloudwatch", "--log-group", "/does/not/exist")
        check("missing log group: exit 1, clear message", rc == 1 and "/does/not/exist' not found in region us-east-1" in err, f"{rc} {err}")
        double.config(deny={"AKIDEXAMPLE": ["FilterLogEvents"]})
        rc, _, err = report(binary, env, "--source", "cloudwatch")
        check("access denied names the permission", rc == 1 and "logs:FilterLogEvents" in err, f"{rc} {err}")
        double.reset()
        bad = aws_env(double, tmp, AWS_SECRET_ACCESS_KEY="not-the-secret")
        rc, _, err = report(binary, bad, "--source", "cloudwatch")
        check("wrong secret: credentials error", rc == 1 and "signature" in err.lower(), f"{rc} {err}")
        rc, _, err = report(binary, aws_env(double, tmp, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY=""),
                            "--source", "cloudwatch")
        check("no credentials: clear error", rc == 1 and "credential" in err.lower(), f"{rc} {err}")
        rc, _, err = report(binary, env, "--days", "0")
        check("bad arguments exit 2", rc == 2, f"{rc} {err}")

        # --- Credentials from IMDSv2 and from a container endpoint (over real HTTP) ---
        double.reset()
        no_keys = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
        imds_env = aws_env(double, tmp, **no_keys, AWS_EC2_METADATA_DISABLED="",
                           AWS_EC2_METADATA_SERVICE_ENDPOINT=double.url)
        rc, got, err = report(binary, imds_env, "--source", "cloudwatch")
        s = double.stats()
        check("IMDSv2 credentials are used",
              rc == 0 and same_report(got, want) == ""
              and any("assumed-role/imds-role/" in p for p in s.get("principals", {})),
              err or json.dumps(s.get("principals")))
        container = dict(no_keys, AWS_CONTAINER_CREDENTIALS_FULL_URI=double.url + "/container-credentials",
                         AWS_CONTAINER_AUTHORIZATION_TOKEN="container-secret-token")
        rc, got, err = report(binary, aws_env(double, tmp, **container), "--source", "cloudwatch")
        s = double.stats()
        check("container credentials are used",
              rc == 0 and any("assumed-role/container-role/" in p for p in s.get("principals", {})),
              err or json.dumps(s.get("principals")))
        container["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong"
        rc, _, err = report(binary, aws_env(double, tmp, **container), "--source", "cloudwatch")
        check("a refused container token is a clear credentials error", rc == 1 and "container" in err.lower(),
              f"{rc} {err}")

        # --- Cross-account: AssumeRole of the configured role ---
        double.reset()
        rc, got, err = report(binary, aws_env(double, tmp, BEDROCK_CROSS_ACCOUNT_ROLE_NAME=ROLE_NAME),
                              "--source", "cloudwatch", "--account-id", ROLE_ACCOUNT)
        check("cross-account report succeeds", rc == 0, err)
        s = double.stats()
        check("the assumed role made the calls",
              any(f"assumed-role/{ROLE_NAME}/" in p for p in s.get("principals", {})), json.dumps(s.get("principals")))
        rc, _, err = report(binary, env, "--source", "cloudwatch", "--account-id", ROLE_ACCOUNT)
        check("aws_account_id without a role name: clear error",
              rc == 2 and "BEDROCK_CROSS_ACCOUNT_ROLE_NAME" in err, f"{rc} {err}")
        rc, _, err = report(binary, aws_env(double, tmp, BEDROCK_CROSS_ACCOUNT_ROLE_NAME="not-allowed"),
                            "--source", "cloudwatch", "--account-id", ROLE_ACCOUNT)
        check("denied AssumeRole: clear error", rc == 1 and "AssumeRole" in err, f"{rc} {err}")

        # --- Cost Explorer ---
        rc, got, err = report(binary, env, "--source", "cloudwatch", "--include-cost")
        billed = (got or {}).get("billedSpend") or {}
        want_usd = sum(0.0123 * d + 1.5 * d for d in range(1, 6))
        check("billed spend from Cost Explorer", rc == 0 and abs(billed.get("totalUsd", -1) - want_usd) < 1e-6,
              err or json.dumps(billed)[:500])

        # --- Over MCP: a running server, progress, expiry of assumed-role sessions ---
        double.reset()
        double.config(page_events=50, latency_ms={"FilterLogEvents": 5}, session_duration_s=900)
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(aws_env(double, tmp, BEDROCK_CROSS_ACCOUNT_ROLE_NAME=ROLE_NAME))
        server = McpServerProcess(binary, ["--port", "0", "--log-level", "warn"], "x" * 32, "mcp-server")
        os.environ.clear()
        os.environ.update(saved)
        try:
            url = server.wait_url(20)
            args = {"region": "us-east-1", "log_group_name": GROUP, "days": 1, "start": START.isoformat(),
                    "end": END.isoformat(), "source": "cloudwatch", "aws_account_id": ROLE_ACCOUNT}
            result, progress = mcp_call(url, "tools/call", {"name": "get_bedrock_usage_report", "arguments": args,
                                                             "_meta": {"progressToken": "p1"}})
            sc = (result or {}).get("structuredContent")
            check("MCP tool returns structuredContent matching the reference",
                  sc is not None and same_report(sc, want) == "", json.dumps(result)[:500])
            text = (result or {}).get("content", [{}])[0].get("text", "")
            check("MCP tool text keeps the seed's heading",
                  text.startswith(f"Bedrock Daily Usage Report ({START.isoformat()} to {END.isoformat()} - us-east-1)"),
                  text[:200])
            values = [p["progress"] for p in progress]
            check("progress notifications while pages are fetched",
                  len(values) >= 2 and values == sorted(values) and len(set(values)) == len(values), str(values))
            double.config(expire_all_sessions=True)
            result, _ = mcp_call(url, "tools/call", {"name": "get_bedrock_usage_report", "arguments": args})
            sc = (result or {}).get("structuredContent")
            check("an expired session token is refreshed (AssumeRole again)",
                  sc is not None and same_report(sc, want) == "" and not result.get("isError"),
                  json.dumps(result)[:500])
            s = double.stats()
            check("STS AssumeRole called again after expiry",
                  s["ops"].get("AssumeRole", {}).get("count", 0) >= 2, json.dumps(s["ops"].get("AssumeRole")))
            result, _ = mcp_call(url, "tools/call", {"name": "list_bedrock_log_groups",
                                                      "arguments": {"prefix": "/aws/bedrock"}})
            names = [g["name"] for g in (result or {}).get("structuredContent", {}).get("logGroups", [])]
            check("list_bedrock_log_groups", sorted(names) == ["/aws/bedrock/big-bodies", GROUP], str(result)[:300])
            comp, _ = mcp_call(url, "completion/complete",
                               {"ref": {"type": "ref/prompt", "name": "analyse-bedrock-usage"},
                                "argument": {"name": "region", "value": "eu-c"}})
            check("region completion", "eu-central-1" in (comp or {}).get("completion", {}).get("values", []),
                  str(comp))
            names = []
            for _ in range(50):  # the first answer starts a background refresh
                comp, _ = mcp_call(url, "completion/complete",
                                   {"ref": {"type": "ref/prompt", "name": "analyse-bedrock-usage"},
                                    "argument": {"name": "log_group_name", "value": "/aws/bedrock/b"},
                                    "context": {"arguments": {"region": "us-east-1"}}})
                names = (comp or {}).get("completion", {}).get("values", [])
                if names:
                    break
                time.sleep(0.1)
            check("log group completion", names == ["/aws/bedrock/big-bodies"], str(names))
            # A client that goes away cancels the report: the Insights query is stopped.
            double.control("/_double/reset-stats", {})
            double.config(query_delay_ms=30000)
            cancelled = dict(args, source="insights")
            try:
                mcp_call(url, "tools/call", {"name": "get_bedrock_usage_report", "arguments": cancelled},
                         timeout=1.5)
            except OSError:
                pass  # the client timed out and closed the connection, as intended
            stopped = 0
            for _ in range(100):
                stopped = double.stats()["ops"].get("StopQuery", {}).get("count", 0)
                if stopped:
                    break
                time.sleep(0.1)
            check("a disconnected MCP client cancels the report (StopQuery)", stopped == 1, str(stopped))
            double.config(query_delay_ms=200)
            result, _ = mcp_call(url, "tools/call", {"name": "get_bedrock_usage_report",
                                                      "arguments": {"days": 0}})
            check("invalid arguments are rejected", result is None or result.get("isError") is True, str(result))
        finally:
            server.stop(10)
        s = double.stats()
        sig = s.get("signatures", {})
        check("every signature verified since the last reset",
              sig.get("verified", 0) > 0 and sig.get("rejected", 1) == 0, json.dumps(sig))
    finally:
        if double:
            double.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"usage_e2e: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


def mcp_call(url, method, params, timeout=120):
    """One stateless 2026-07-28 request; returns (result, progress notifications)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method,
            "params": dict(params, _meta=dict(params.get("_meta", {}), **{
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "usage-e2e", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {}}))}
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = params["name"]
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    progress = []
    result = None
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            ctype = resp.headers.get("Content-Type", "")
            raw = resp.read().decode()
    except urllib.error.HTTPError as e:
        return None, []
    messages = []
    if ctype.startswith("text/event-stream"):
        for block in raw.split("\n\n"):
            data = "\n".join(line[5:].lstrip() for line in block.split("\n") if line.startswith("data:"))
            if data:
                messages.append(json.loads(data))
    else:
        messages.append(json.loads(raw))
    for m in messages:
        if m.get("method") == "notifications/progress":
            progress.append(m["params"])
        elif "result" in m:
            result = m["result"]
    return result, progress


if __name__ == "__main__":
    sys.exit(main())
