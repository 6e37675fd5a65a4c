"""Generated Bedrock invocation logs full of edge cases, and an independent
reference aggregation of them in plain Python (shared by the usage tests)."""
import datetime as dt
import json
import random
import re

START = dt.date(2026, 3, 1)
END = dt.date(2026, 3, 5)  # inclusive
TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

MODELS = [
    "anthropic.claude-3-5-haiku-20241022-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "amazon.nova-lite-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7",
    "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0",
    "",
]
USERS = [
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123/alice@example.com",
    "arn:aws:iam::123456789012:user/bob",
    "arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot",
    None,
]
REGIONS = ["us-east-1", "us-west-2", "eu-central-1", None]
OPERATIONS = ["Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream", None]


def short_model(model_id):
    if "." in model_id:
        return model_id.split(".")[-1]
    return model_id.split("/")[-1] or "unknown"


def parse_ts(text):
    if not isinstance(text, str):
        return None
    m = TS.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    try:
        base = dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    zone = m.group(8)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        base -= sign * dt.timedelta(hours=hours, minutes=minutes)
    return base


def make_records(rng, clean=False):
    """Yields (line, record-or-None). `clean` leaves out bad timestamps and
    records without token counts (real Bedrock logs have neither)."""
    yield "Permissions are correctly set for Amazon Bedrock logs.", None
    day0 = dt.datetime(2026, 2, 28, tzinfo=dt.timezone.utc)
    for i in range(1500):
        when = day0 + dt.timedelta(seconds=rng.randrange(0, 8 * 86400))
        if i % 97 == 0:
            when = when.replace(hour=23, minute=59, second=59)
        if i % 89 == 0:
            when = when.replace(hour=0, minute=0, second=0)
        style = i % 5
        if style == 0:
            ts = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif style == 1:
            ts = when.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % rng.randrange(1000)
        elif style == 2:
            local = when + dt.timedelta(hours=2)
            ts = local.strftime("%Y-%m-%dT%H:%M:%S") + "+02:00"
        elif style == 3:
            local = when - dt.timedelta(hours=5, minutes=30)
            ts = local.strftime("%Y-%m-%dT%H:%M:%S") + "-05:30"
        else:
            ts = when.strftime("%Y-%m-%dT%H:%M:%S") + ".123456789Z"
        model = rng.choice(MODELS)
        rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": ts,
               "accountId": "123456789012", "requestId": "req-%d" % i}
        user = rng.choice(USERS)
        if user:
            rec["identity"] = {"arn": user}
        region = rng.choice(REGIONS)
        if region:
            rec["region"] = region
        op = rng.choice(OPERATIONS)
        if op:
            rec["operation"] = op
        if model:
            rec["modelId"] = model
        inp = {"inputContentType": "application/json",
               "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "x" * rng.randrange(50, 1500)}]}]},
               "inputTokenCount": rng.randrange(0, 5000)}
        if "claude" in model and rng.random() < 0.6:
            inp["cacheReadInputTokenCount"] = rng.randrange(0, 20000)
            inp["cacheWriteInputTokenCount"] = rng.randrange(0, 3000)
        out = {"outputContentType": "application/json",
               "outputBodyJson": {"output": {"message": {"content": [{"text": "y" * rng.randrange(10, 800)}]}}},
               "outputTokenCount": rng.randrange(0, 2000)}
        if i % 41 == 0:
            rec["errorCode"] = rng.choice(["ThrottlingException", "ValidationException"])
            out.pop("outputTokenCount")
        if i % 53 == 0 and not clean:
            inp.pop("inputTokenCount")
        rec["input"] = inp
        rec["output"] = out
        keys = list(rec.keys())
        rng.shuffle(keys)
        rec = {k: rec[k] for k in keys}
        yield json.dumps(rec, separators=(",", ":")), rec
        if i % 157 == 0 and not clean:
            bad = dict(rec)
            bad["timestamp"] = rng.choice(["2026-02-30T10:00:00Z", "2026-03-02T24:00:00Z", "yesterday", 17])
            yield json.dumps(bad), bad
        if i % 211 == 0:
            nots = {"schemaType": "Other", "timestamp": ts, "hello": "world"}
            yield json.dumps(nots), nots
        if i % 173 == 0 and not clean:
            yield '{"timestamp":"2026-03-02T10:00:00Z","modelId":"broken', None


def expected(lines):
    start = dt.datetime(START.year, START.month, START.day, tzinfo=dt.timezone.utc)
    end = dt.datetime(END.year, END.month, END.day, tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
    zero = lambda: {"requests": 0, "inputTokens": 0, "outputTokens": 0, "cacheReadTokens": 0,
                    "cacheWriteTokens": 0, "errors": 0}
    agg = {"totals": zero(), "daily": {}, "regions": {}, "models": {}, "users": {}, "operations": {}}
    skipped = {"nonJson": 0, "badTimestamp": 0, "notInvocation": 0, "outOfWindow": 0}

    def add(bucket, key, c):
        b = agg[bucket].setdefault(key, zero())
        for k in c:
            b[k] += c[k]

    def count(obj, *path):
        for p in path:
            if not isinstance(obj, dict) or p not in obj:
                return 0
            obj = obj[p]
        return obj if isinstance(obj, int) and not isinstance(obj, bool) else 0

    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            skipped["nonJson"] += 1
            continue
        if not isinstance(rec, dict):
            skipped["nonJson"] += 1
            continue
        if "modelId" not in rec and not isinstance(rec.get("input"), dict) and not isinstance(rec.get("output"), dict):
            skipped["notInvocation"] += 1
            continue
        when = parse_ts(rec.get("timestamp"))
        if when is None:
            skipped["badTimestamp"] += 1
            continue
        if not (start <= when < end):
            skipped["outOfWindow"] += 1
            continue
        c = {"requests": 1, "inputTokens": count(rec, "input", "inputTokenCount"),
             "outputTokens": count(rec, "output", "outputTokenCount"),
             "cacheReadTokens": count(rec, "input", "cacheReadInputTokenCount"),
             "cacheWriteTokens": count(rec, "input", "cacheWriteInputTokenCount"),
             "errors": 1 if rec.get("errorCode") else 0}
        for k in c:
            agg["totals"][k] += c[k]
        add("daily", when.strftime("%Y-%m-%d"), c)
        add("regions", rec.get("region", "undefined"), c)
        add("models", short_model(rec.get("modelId") or ""), c)
        if isinstance(rec.get("identity"), dict) and "arn" in rec["identity"]:
            add("users", rec["identity"]["arn"], c)
        add("operations", rec.get("operation") or "unknown", c)
    return agg, skipped


