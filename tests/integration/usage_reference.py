#!/usr/bin/env python3
"""Checks the usage aggregation against an independent reference.

Generates invocation logs full of edge cases (inference-profile ids, ARNs,
missing fields, cache tokens, errors, day boundaries and offsets, bad lines,
records outside the window) in every file format the file source reads
(JSON lines, gzip, CloudWatch export lines, `aws logs filter-log-events`
output), computes the expected report here in plain Python, and compares it
with `mcp-server report --source file:<dir> --format json`.

usage: usage_reference.py <bin-dir>
"""
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile

import datetime as dt

from bedrock_reference import END, START, expected, make_records, parse_ts

def event_time(line):
    """The CloudWatch event time of a line: the record's time, else inside the window."""
    try:
        rec = json.loads(line)
    except ValueError:
        rec = None
    when = parse_ts(rec.get("timestamp")) if isinstance(rec, dict) else None
    return when.replace(microsecond=0) if when else dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)


def rows_by_key(rows, key_name):
    out = {}
    for r in rows:
        counts = {k: r[k] for k in ("requests", "inputTokens", "outputTokens", "cacheReadTokens",
                                    "cacheWriteTokens", "errors")}
        out[r[key_name]] = counts
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.join(sys.argv[1], "mcp-server")
    rng = random.Random(20260301)
    pairs = list(make_records(rng))
    lines = [line for line, _ in pairs]
    with tempfile.TemporaryDirectory() as tmp:
        # Split the lines over the formats.
        q = len(lines) // 4
        parts = [lines[:q], lines[q:2 * q], lines[2 * q:3 * q], lines[3 * q:]]
        with open(os.path.join(tmp, "a.jsonl"), "w") as f:
            f.write("\r\n".join(parts[0]) + "\n\n")
        os.makedirs(os.path.join(tmp, "AWSLogs", "2026", "03"))
        with gzip.open(os.path.join(tmp, "AWSLogs", "2026", "03", "b.json.gz"), "wt") as f:
            f.write("\n".join(parts[1][:len(parts[1]) // 2]) + "\n")
        with gzip.open(os.path.join(tmp, "AWSLogs", "2026", "03", "b.json.gz"), "at") as f:  # second gzip member
            f.write("\n".join(parts[1][len(parts[1]) // 2:]) + "\n")
        # CloudWatch formats carry the event's own time, which (like
        # FilterLogEvents) decides the window; Bedrock stamps it with the
        # invocation time, so use the record's time where it has a valid one.
        with open(os.path.join(tmp, "c.log"), "w") as f:
            for line in parts[2]:
                f.write(event_time(line).strftime("%Y-%m-%dT%H:%M:%S.000Z") + " " + line + "\n")
        events = [{"logStreamName": "aws/bedrock/modelinvocations",
                   "timestamp": int(event_time(line).timestamp() * 1000),
                   "message": line, "ingestionTime": 1772409600500 + i, "eventId": str(i)}
                  for i, line in enumerate(parts[3])]
        with open(os.path.join(tmp, "d.json"), "w") as f:
            json.dump({"events": events, "searchedLogStreams": []}, f, indent=2)

        want, want_skipped = expected(lines)
        cmd = [binary, "report", "--source", "file:" + tmp, "--start", START.isoformat(), "--end", END.isoformat(),
               "--format", "json", "--region", "us-east-1"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            print("mcp-server report failed (%d): %s" % (proc.returncode, proc.stderr))
            return 1
        got = json.loads(proc.stdout)

    failures = []

    def check(name, a, b):
        if a != b:
            failures.append("%s differs:\n  got      %s\n  expected %s" % (name, json.dumps(a, sort_keys=True)[:2000],
                                                                         json.dumps(b, sort_keys=True)[:2000]))

    totals = {k: got["totals"][k] for k in want["totals"]}
    check("totals", totals, want["totals"])
    check("totalTokens", got["totals"]["totalTokens"], want["totals"]["inputTokens"] + want["totals"]["outputTokens"])
    check("daily", rows_by_key(got["daily"], "date"), want["daily"])
    for section in ("regions", "models", "users", "operations"):
        check(section, rows_by_key(got[section], "key"), want[section])
    dates = [r["date"] for r in got["daily"]]
    check("daily order", dates, sorted(dates))
    for section in ("regions", "models", "users"):
        totals_in_order = [r["inputTokens"] + r["outputTokens"] for r in got[section]]
        check(section + " order", totals_in_order, sorted(totals_in_order, reverse=True))
    check("skipped", {k: got["skipped"].get(k, 0) for k in want_skipped}, want_skipped)
    if failures:
        print("\n".join(failures))
        return 1
    print("usage_reference: %d lines, %d requests in the window, every figure matches the reference"
          % (len(lines), want["totals"]["requests"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
