#!/usr/bin/python3
"""Checks tests/doubles/aws_double.py against Debian's real AWS CLI (/usr/bin/aws, awscli 2.x).

Starts the double on a free loopback port with a generated Bedrock invocation-log dataset and cost
data, drives it with `aws --endpoint-url http://127.0.0.1:<port> ...` (CloudWatch Logs, Logs
Insights, Cost Explorer, STS, plus error and retry cases) and asserts through /_double/stats that
every valid request's SigV4 signature was verified.

Exit codes: 0 pass, 1 failure (message on stderr), 77 skip (no /usr/bin/aws or no botocore).
"""

import datetime
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(os.path.dirname(HERE), "doubles", "aws_double.py")
AWS = "/usr/bin/aws"
PYTHON = "/usr/bin/python3"
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
GROUP = "/aws/bedrock/modelinvocations"
ROLE_ARN = "arn:aws:iam::210987654321:role/usage-reader"
ROLE_ACCOUNT = "210987654321"
PERMISSIONS_LINE = "Permissions are correctly set for Amazon Bedrock logs."
MODELS = ["us.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0",
          "amazon.nova-lite-v1:0"]
IDENTITIES = ["arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123/alice@example.com",
              "arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot"]
CLI_TIMEOUT_S = 40
QUERY = ('fields @timestamp, modelId, identity.arn as principal, input.inputTokenCount as inTok, '
         'output.outputTokenCount as outTok\n'
         '| filter schemaType = "ModelInvocationLog"\n'
         '| stats count(*) as calls, sum(inTok) as inputTokens, sum(outTok) as outputTokens, '
         'count(outTok) as withOut by bin(1d) as day, modelId\n'
         '| sort day asc, modelId asc')


class CheckFailed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CheckFailed(message)


# ---------------------------------------------------------------------------------------------
# dataset
# ---------------------------------------------------------------------------------------------


def make_dataset(tmp):
    """~50 Bedrock records over 3 days (+ the permissions line); some with >200 JSON fields."""
    today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    day0 = today - datetime.timedelta(days=3)
    records = []
    for i in range(50):
        day = i % 3
        when = day0 + datetime.timedelta(days=day, hours=1 + (i * 7) % 20, minutes=i % 60, seconds=i)
        model = MODELS[i % 3]
        big = i % 10 == 7  # 5 records whose body pushes the token counts past Insights' 200 fields
        if big:
            body = {"messages": [{"role": "user", "content": [{"text": f"chunk {k}"}]} for k in range(220)]}
        else:
            body = {"messages": [{"role": "user", "content": [{"text": f"hello {i}"}]}]}
        rec = {
            "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "accountId": "123456789012",
            "identity": {"arn": IDENTITIES[i % 2]}, "region": "us-east-1",
            "requestId": f"00000000-0000-4000-8000-{i:012d}", "operation": "Converse", "modelId": model,
            "input": {"inputContentType": "application/json", "inputBodyJson": body,
                      "inputTokenCount": 10 + i},
            "output": {"outputContentType": "application/json",
                       "outputBodyJson": {"stopReason": "end_turn"}, "outputTokenCount": 100 + i},
        }
        if i % 4 == 0:
            rec["input"]["cacheReadInputTokenCount"] = 5 * i
        records.append((rec, big))
    path = os.path.join(tmp, "bedrock.jsonl")
    lines = [PERMISSIONS_LINE] + [json.dumps(r) for r, _ in records]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    cost_rows = []
    for d in range(3):
        date = (day0 + datetime.timedelta(days=d)).date().isoformat()
        cost_rows += [
            {"date": date, "service": "Amazon Bedrock Service", "usage_type": "USE1-Claude4Sonnet-input-tokens",
             "cost": "1.25", "quantity": "416.5", "unit": "N/A"},
            {"date": date, "service": "Amazon Bedrock Service", "usage_type": "USE1-Claude4Sonnet-output-tokens",
             "cost": "3.75", "quantity": "250", "unit": "N/A"},
            {"date": date, "service": "Amazon Bedrock", "usage_type": "USE1-NovaLite-input-tokens",
             "cost": "0.081", "quantity": "1350", "unit": "N/A"},
            {"date": date, "service": "Claude 3.5 Haiku (Amazon Bedrock Edition)",
             "usage_type": "USE1-MP:USE1_InputTokenCount-Units", "cost": "0.5", "quantity": "0.625", "unit": "N/A"},
            {"date": date, "service": "Amazon Elastic Compute Cloud - Compute", "usage_type": "USE1-BoxUsage",
             "cost": "9.99", "quantity": "24", "unit": "Hrs"},
            {"date": date, "service": "Amazon Bedrock", "usage_type": "USE1-NovaLite-input-tokens",
             "cost": "-0.081", "quantity": "0", "unit": "N/A", "record_type": "Credit"},
        ]
    cost_path = os.path.join(tmp, "cost.json")
    with open(cost_path, "w", encoding="utf-8") as fh:
        json.dump(cost_rows, fh)
    return path, lines, records, cost_path, cost_rows, day0


def record_ms(rec):
    return int(datetime.datetime.strptime(rec["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000


# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------


class DoubleProcess:
    def __init__(self, args, tmp):
        self.stderr_path = os.path.join(tmp, "double.stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([PYTHON, DOUBLE] + args, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        if not line.startswith(b"READY "):
            self.stop()
            raise CheckFailed(f"double did not start: {line!r}\n{self.stderr_text()}")
        self.port = int(line.split()[1])

    def stderr_text(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as fh:
                return fh.read()[-4000:]
        except OSError:
            return ""

    def control(self, method, path, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/_double/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.stderr.close()
        return self.proc.returncode


class Cli:
    def __init__(self, port, home):
        self.port = port
        self.base_env = {
            "PATH": "/usr/bin:/bin", "HOME": home, "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_EC2_METADATA_DISABLED": "true",
            # pinned so the retry tests do not depend on defaults: 3 attempts = 2 retries
            "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "3", "LC_ALL": "C.UTF-8",
        }
        self.calls = 0

    def run(self, *args, env=None, expect_ok=True):
        full_env = dict(self.base_env)
        full_env.update(env or {})
        cmd = [AWS, *args, "--endpoint-url", f"http://127.0.0.1:{self.port}", "--no-cli-pager",
               "--output", "json"]
        self.calls += 1
        try:
            proc = subprocess.run(cmd, env=full_env, capture_output=True, timeout=CLI_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise CheckFailed(f"aws {' '.join(args[:2])} timed out after {CLI_TIMEOUT_S}s") from exc
        out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
        if expect_ok:
            check(proc.returncode == 0, f"aws {' '.join(args)} failed ({proc.returncode}): {err.strip()}")
            try:
                return json.loads(out) if out.strip() else {}
            except ValueError as exc:
                raise CheckFailed(f"aws {' '.join(args[:2])} printed non-JSON: {out[:300]}") from exc
        check(proc.returncode != 0, f"aws {' '.join(args)} unexpectedly succeeded: {out[:300]}")
        return err


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------


def expected_insights(records, start_ms, end_ms):
    rows = {}
    for rec, big in records:
        ts = record_ms(rec)
        if not start_ms <= ts <= end_ms + 999:
            continue
        day = rec["timestamp"][:10] + " 00:00:00.000"
        r = rows.setdefault((day, rec["modelId"]), {"calls": 0, "in": None, "out": None, "withOut": 0})
        r["calls"] += 1
        if not big:
            r["in"] = (r["in"] or 0) + rec["input"]["inputTokenCount"]
            r["out"] = (r["out"] or 0) + rec["output"]["outputTokenCount"]
            r["withOut"] += 1
    out = []
    for (day, model), r in sorted(rows.items()):
        row = {"day": day, "modelId": model, "calls": str(r["calls"]), "withOut": str(r["withOut"])}
        if r["in"] is not None:
            row["inputTokens"] = str(r["in"])
            row["outputTokens"] = str(r["out"])
        out.append(row)
    return out


def run_checks(tmp):
    jsonl, lines, records, cost_path, cost_rows, day0 = make_dataset(tmp)
    double = DoubleProcess(["--log-group", f"{GROUP}={jsonl}", "--log-group", "/aws/other/empty=",
                            "--cost-data", cost_path, "--role", f"{ROLE_ARN}={ROLE_ACCOUNT}",
                            "--query-delay-ms", "300"], tmp)
    try:
        cli = Cli(double.port, tmp)
        all_ts = [record_ms(r) for r, _ in records]
        t_min, t_max = min(all_ts), max(all_ts)

        # 1. DescribeLogGroups
        groups = cli.run("logs", "describe-log-groups")
        names = [g["logGroupName"] for g in groups["logGroups"]]
        check(names == ["/aws/bedrock/modelinvocations", "/aws/other/empty"], f"log groups: {names}")
        g0 = groups["logGroups"][0]
        check(g0["arn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}:*", f"arn: {g0['arn']}")
        check(g0["storedBytes"] == sum(len(line.encode()) for line in lines), "storedBytes")

        # 2. FilterLogEvents with CLI pagination over small, empty and interleaved-empty pages
        double.control("POST", "config", {"empty_pages": 1, "empty_pages_every": 2})
        got = cli.run("logs", "filter-log-events", "--log-group-name", GROUP, "--start-time", str(t_min),
                      "--end-time", str(t_max), "--page-size", "7")
        events = got["events"]
        expected_msgs = [PERMISSIONS_LINE] + [json.dumps(r) for r, _ in
                                              sorted(records, key=lambda x: record_ms(x[0]))]
        check([e["message"] for e in events] == expected_msgs,
              f"filter-log-events returned {len(events)} events, expected {len(expected_msgs)} in timestamp order")
        check(len({e["eventId"] for e in events}) == len(events), "duplicate eventIds")
        check(all(e["logStreamName"] == "aws/bedrock/modelinvocations" and e["ingestionTime"] == e["timestamp"] + 500
                  for e in events), "event fields")
        check(events[0]["timestamp"] == t_min and events[-1]["timestamp"] == t_max, "inclusive time range")
        fle = double.control("GET", "stats")["ops"]["FilterLogEvents"]
        # 51 events / 7 per page = 8 data pages + 1 leading empty page + one empty after pages 2, 4, 6
        check(fle["count"] == 12, f"FilterLogEvents pages: {fle['count']} (expected 12)")
        double.control("POST", "config", {"empty_pages": 0, "empty_pages_every": 0})

        # 3. Logs Insights: start, poll until Complete, compare with an independent computation
        start_s, end_s = t_min // 1000, t_max // 1000
        qid = cli.run("logs", "start-query", "--log-group-name", GROUP, "--start-time", str(start_s),
                      "--end-time", str(end_s), "--query-string", QUERY)["queryId"]
        result = None
        for _ in range(10):
            result = cli.run("logs", "get-query-results", "--query-id", qid)
            if result["status"] not in ("Scheduled", "Running"):
                break
            time.sleep(0.3)
        check(result["status"] == "Complete", f"query status {result['status']}")
        rows = [{f["field"]: f["value"] for f in row} for row in result["results"]]
        want = expected_insights(records, start_s * 1000, end_s * 1000)
        check(rows == want, "insights rows differ:\n got  %s\n want %s" % (json.dumps(rows), json.dumps(want)))
        stats = result["statistics"]
        check(stats["recordsScanned"] == 51.0 and stats["recordsMatched"] == 50.0, f"statistics {stats}")

        # 4. StopQuery on a slow query, then the query reports Cancelled
        double.control("POST", "config", {"query_delay_ms": 60000})
        qid2 = cli.run("logs", "start-query", "--log-group-name", GROUP, "--start-time", str(start_s),
                       "--end-time", str(end_s), "--query-string", "stats count(*) as n")["queryId"]
        check(cli.run("logs", "stop-query", "--query-id", qid2) == {"success": True}, "stop-query")
        check(cli.run("logs", "get-query-results", "--query-id", qid2)["status"] == "Cancelled", "cancelled")
        double.control("POST", "config", {"query_delay_ms": 300})

        # 5. Cost Explorer GetCostAndUsage (daily, grouped, filtered, 2 pages) and GetDimensionValues
        double.control("POST", "config", {"ce_page_size": 8})
        start_d = day0.date().isoformat()
        end_d = (day0 + datetime.timedelta(days=3)).date().isoformat()
        ce_filter = os.path.join(tmp, "filter.json")
        with open(ce_filter, "w", encoding="utf-8") as fh:
            json.dump({"And": [
                {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock", "Amazon Bedrock Service",
                                                             "Claude 3.5 Haiku (Amazon Bedrock Edition)"]}},
                {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Usage"]}}]}, fh)
        ce_args = ["ce", "get-cost-and-usage", "--time-period", f"Start={start_d},End={end_d}",
                   "--granularity", "DAILY", "--metrics", "UnblendedCost", "UsageQuantity",
                   "--group-by", "Type=DIMENSION,Key=SERVICE", "Type=DIMENSION,Key=USAGE_TYPE",
                   "--filter", f"file://{ce_filter}"]
        page1 = cli.run(*ce_args)
        check("NextPageToken" in page1, "CE page 1 has no NextPageToken")
        page2 = cli.run(*ce_args, "--next-page-token", page1["NextPageToken"])
        check("NextPageToken" not in page2, "CE page 2 still has a NextPageToken")
        check(sum(len(r["Groups"]) for r in page1["ResultsByTime"]) == 8, "CE page 1 should carry 8 groups")
        seen = {}
        for page in (page1, page2):
            check(page["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "SERVICE"},
                                               {"Type": "DIMENSION", "Key": "USAGE_TYPE"}], "GroupDefinitions")
            for r in page["ResultsByTime"]:
                check(r["Total"] == {}, "Total must be empty with GroupBy")
                for g in r["Groups"]:
                    key = (r["TimePeriod"]["Start"], *g["Keys"])
                    check(key not in seen, f"CE group repeated across pages: {key}")
                    seen[key] = g["Metrics"]["UnblendedCost"]["Amount"]
        want_ce = {(row["date"], row["service"], row["usage_type"]): row["cost"] for row in cost_rows
                   if "Bedrock" in row["service"] and row.get("record_type", "Usage") == "Usage"}
        check(seen == want_ce, f"CE groups differ: {sorted(seen.items())} vs {sorted(want_ce.items())}")
        estimated = [r["Estimated"] for r in page1["ResultsByTime"] + page2["ResultsByTime"]]
        check(estimated[0] is False and estimated[-1] is True, f"Estimated flags {estimated}")
        dims = cli.run("ce", "get-dimension-values", "--time-period", f"Start={start_d},End={end_d}",
                       "--dimension", "SERVICE", "--search-string", "bedrock")
        values = [d["Value"] for d in dims["DimensionValues"]]
        check(values == ["Amazon Bedrock", "Amazon Bedrock Service", "Claude 3.5 Haiku (Amazon Bedrock Edition)"],
              f"dimension values {values}")
        check(dims["TotalSize"] == 3 and dims["ReturnSize"] == 3, "dimension sizes")

        # 6. STS: AssumeRole, then the temporary credentials on STS and Logs; a role we may not assume
        assumed = cli.run("sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "cli-test")
        creds = assumed["Credentials"]
        check(creds["AccessKeyId"].startswith("ASIA"), "temporary AKID prefix")
        check(assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/usage-reader/cli-test",
              f"assumed role arn {assumed['AssumedRoleUser']}")
        temp_env = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                    "AWS_SESSION_TOKEN": creds["SessionToken"]}
        ident = cli.run("sts", "get-caller-identity", env=temp_env)
        check(ident["Account"] == ROLE_ACCOUNT and ":assumed-role/usage-reader/cli-test" in ident["Arn"],
              f"caller identity {ident}")
        cli.run("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/bedrock", env=temp_env)
        err = cli.run("sts", "assume-role", "--role-arn", "arn:aws:iam::999999999999:role/admin",
                      "--role-session-name", "x1", expect_ok=False)
        check("AccessDenied" in err and "sts:AssumeRole" in err, f"assume-role denial: {err.strip()}")

        # 7. Negative cases
        err = cli.run("logs", "describe-log-groups", env={"AWS_SECRET_ACCESS_KEY": "not-the-secret"},
                      expect_ok=False)
        check("InvalidSignatureException" in err and "signature" in err.lower(), f"wrong secret: {err.strip()}")
        err = cli.run("logs", "filter-log-events", "--log-group-name", "/no/such/group", expect_ok=False)
        check("ResourceNotFoundException" in err and "log group does not exist" in err, f"missing group: {err}")
        double.control("POST", "config", {"expire_all_sessions": True})
        err = cli.run("logs", "describe-log-groups", env=temp_env, expect_ok=False)
        check("ExpiredTokenException" in err, f"expired session: {err.strip()}")

        # 8. Throttling: more than the CLI's retry budget surfaces; 2 are absorbed by its retries
        before = double.control("GET", "stats")["ops"]["DescribeLogGroups"]
        double.control("POST", "config", {"throttle_next": {"DescribeLogGroups": 5}})
        err = cli.run("logs", "describe-log-groups", expect_ok=False)
        check("ThrottlingException" in err and "Rate exceeded" in err, f"throttling: {err.strip()}")
        s = double.control("GET", "stats")["ops"]["DescribeLogGroups"]
        delta = {k: s[k] - before[k] for k in ("count", "throttled", "ok")}
        check(delta == {"count": 3, "throttled": 3, "ok": 0}, f"expected 3 throttled attempts, got {delta}")
        double.control("POST", "config", {"throttle_next": {"DescribeLogGroups": 0}})
        double.control("POST", "config", {"throttle_next": {"DescribeLogGroups": 2}})
        cli.run("logs", "describe-log-groups")
        s = double.control("GET", "stats")["ops"]["DescribeLogGroups"]
        delta = {k: s[k] - before[k] for k in ("count", "throttled", "ok")}
        check(delta == {"count": 6, "throttled": 5, "ok": 1}, f"retries then success: {delta}")

        # 9. Every valid request verified; the only rejections are the two deliberate ones.
        stats = double.control("GET", "stats")
        sig = stats["signatures"]
        check(sig["rejected_reasons"] == {"InvalidSignatureException": 1, "ExpiredTokenException": 1},
              f"unexpected signature rejections: {sig}")
        check(sig["unsigned"] == 0 and sig["verified"] == stats["requests"] - 2,
              f"signatures {sig} vs {stats['requests']} requests")
        bad = [r for r in stats["recent"] if r["signature"] != "verified"
               and r["error"] not in ("InvalidSignatureException", "ExpiredTokenException")]
        check(not bad, f"unverified requests: {bad}")
        check(stats["principals"].get(f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/usage-reader/cli-test", 0) == 2,
              f"assumed-role principal not recorded: {stats['principals']}")
        return cli.calls, double
    finally:
        rc = double.stop()
        if rc not in (0, None):
            sys.stderr.write(f"aws_double exited with {rc}\n{double.stderr_text()}\n")


def main():
    if not os.path.exists(AWS) or not os.access(AWS, os.X_OK):
        print("SKIP: /usr/bin/aws not installed")
        return 77
    probe = subprocess.run([PYTHON, "-c", "import botocore.auth"], capture_output=True)
    if probe.returncode != 0:
        print("SKIP: Debian python3-botocore not importable by /usr/bin/python3")
        return 77
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="aws-double-cli-")
    try:
        calls, _double = run_checks(tmp)
    except CheckFailed as exc:
        sys.stderr.write(f"FAIL: {exc}\n")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"PASS: aws_double speaks the protocols the AWS CLI expects ({calls} CLI calls, "
          f"{time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
