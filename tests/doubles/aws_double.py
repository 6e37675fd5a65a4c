#!/usr/bin/python3
"""Loopback AWS protocol double for bedrock-usage-mcp tests.

Speaks the real wire protocols of CloudWatch Logs (awsJson1_1), Logs Insights,
Cost Explorer (awsJson1_1) and STS (awsQuery / XML) on one 127.0.0.1 port, and
verifies the SigV4 signature of every signed request by recomputing it with
botocore (Debian's python3-botocore). See tests/doubles/README.md.

Runs with Debian's /usr/bin/python3 only: stdlib + botocore, nothing else.
"""

import argparse
import base64
import bisect
import collections
import datetime
import decimal
import email.utils
import gzip
import hashlib
import hmac
import json
import re
import secrets
import signal
import string
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.compat
    import botocore.credentials
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stderr.write(f"aws_double: botocore is required ({exc}); use Debian's /usr/bin/python3\n")
    sys.exit(2)

DEFAULT_AKID = "AKIDEXAMPLE"
DEFAULT_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DEFAULT_ACCOUNT = "123456789012"
BEDROCK_STREAM = "aws/bedrock/modelinvocations"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
JSON_CT = "application/x-amz-json-1.1"
MAX_BODY = 16 * 1024 * 1024
FILTER_PAGE_BYTES = 1024 * 1024
EVENT_OVERHEAD_BYTES = 26
INSIGHTS_FIELD_LIMIT = 200
SIG_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
BAD_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"

LOGS_OPS = {"FilterLogEvents", "DescribeLogGroups", "StartQuery", "GetQueryResults", "StopQuery"}
CE_OPS = {"GetCostAndUsage", "GetDimensionValues"}
STS_OPS = {"AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"}
JSON_TARGETS = {"Logs_20140328": "logs", "AWSInsightsIndexService": "ce"}

DEFAULT_CONFIG = {
    "throttle": {},             # op -> sustained rate per second (token bucket, burst = max(1, rate))
    "throttle_next": {},        # op -> next N calls throttled
    "fail_next_5xx": {},        # op -> next N calls get 503
    "latency_ms": {},           # op -> sleep before answering
    "deny": {},                 # akid | principal arn | role arn | "*" -> [ops]
    "roles": {},                # role arn -> account | {"account", "external_id"}
    "page_events": 0,           # FilterLogEvents: cap events per page (0 = only limit / 1 MB)
    "max_page_bytes": FILTER_PAGE_BYTES,  # FilterLogEvents: page byte cap (AWS: 1 MB); benchmarks raise it
    "empty_pages": 0,           # FilterLogEvents: N empty pages (with nextToken) before the first data page
    "empty_pages_every": 0,     # FilterLogEvents: one empty page after every K data pages
    "trailing_empty_page": False,  # FilterLogEvents: last data page still carries a nextToken
    "query_delay_ms": 300,      # Insights: Scheduled -> Running -> Complete
    "max_concurrent_queries": 30,
    "session_duration_s": None,  # overrides DurationSeconds of issued sessions
    "ce_page_size": 0,          # Cost Explorer: groups per page (0 = one page)
    "ce_throttle_code": "LimitExceededException",
    "estimated_days": 2,        # Cost Explorer: periods ending within N days of today are Estimated
    "clock_offset_s": 0,        # shifts the double's clock (skew tests)
    "max_skew_s": 900,
    "web_identity_tokens": [],  # accepted tokens (empty = any non-empty token)
    "qualified_error_types": False,  # __type "com.amazonaws.<svc>#Code" + coral-style x-amzn-ErrorType
}
OP_MAP_KEYS = ("throttle", "throttle_next", "fail_next_5xx", "latency_ms")


class ApiError(Exception):
    """An AWS error response; `code` is the JSON __type / XML Code."""

    def __init__(self, status, code, message, extra=None, auth=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.auth = auth


class RawJson:
    """An operation's reply already serialised (compact JSON bytes)."""

    def __init__(self, data):
        self.data = data


def bad_param(message):
    return ApiError(400, "InvalidParameterException", message)


def ce_validation(message):
    return ApiError(400, "ValidationException", message)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def iso_z(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def insights_time(ms):
    dt = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (ms % 1000)


_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_record_timestamp(value):
    """Epoch ms of a record's `timestamp` field (ISO-8601 or a number), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value if value > 1e11 else value * 1000)
    if not isinstance(value, str):
        return None
    m = _ISO_RE.match(value.strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    frac = m.group(7)
    try:
        dt = datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    ms = int(dt.timestamp()) * 1000 + (int(round(float(frac) * 1000)) if frac else 0)
    tz = m.group(8)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        ms -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1000
    return ms


def random_id(prefix, length, alphabet=string.ascii_uppercase + string.digits):
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


# --------------------------------------------------------------------------------------------
# Data: log groups and cost rows
# --------------------------------------------------------------------------------------------


class LogGroup:
    """Immutable once built; replaced wholesale by the control API."""

    _generation = 0
    _gen_lock = threading.Lock()

    def __init__(self, name, region, lines, account, default_ts=None, retention_days=None):
        with LogGroup._gen_lock:
            LogGroup._generation += 1
            self.generation = LogGroup._generation
        self.name = name
        self.region = region
        self.account = account
        self.retention_days = retention_days
        parsed = []
        first_ts = None
        for line in lines:
            ts = None
            try:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    ts = parse_record_timestamp(obj.get("timestamp"))
            except ValueError:
                pass
            if ts is not None and first_ts is None:
                first_ts = ts
            parsed.append([ts, line])
        # Lines without a timestamp inherit the previous event's; leading ones get the default
        # (or the first real record's time, so the permissions line sits at the start of the data).
        prev = default_ts if default_ts is not None else (first_ts if first_ts is not None else int(time.time() * 1000))
        for item in parsed:
            if item[0] is None:
                item[0] = prev
            prev = item[0]
        parsed.sort(key=lambda item: item[0])  # stable: keeps file order for equal timestamps
        self.events = []
        for idx, (ts, line) in enumerate(parsed):
            event_id = "%020d%04d%032d" % (ts, self.generation % 10000, idx)
            self.events.append((ts, ts + 500, line, event_id))
        self.timestamps = [e[0] for e in self.events]
        self.creation_time = (self.timestamps[0] if self.timestamps else int(time.time() * 1000)) - 86400000
        self.stored_bytes = sum(len(e[2].encode("utf-8")) for e in self.events)
        self._flat = [None] * len(self.events)
        self._wire = [None] * len(self.events)

    def arn(self):
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{self.name}"

    def wire_event(self, idx):
        """(JSON bytes of the event in a FilterLogEvents page, its size against the page cap), cached:
        serialising 10,000 2-KB events takes Python ~0.3 s per page, which would swamp what a benchmark
        measures."""
        cached = self._wire[idx]
        if cached is None:
            ts, ingest, message, event_id = self.events[idx]
            wire = json.dumps({"logStreamName": BEDROCK_STREAM, "timestamp": ts, "message": message,
                               "ingestionTime": ingest, "eventId": event_id}, separators=(",", ":"))
            cached = (wire.encode("utf-8"), len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES)
            self._wire[idx] = cached
        return cached

    def flat_fields(self, idx):
        cached = self._flat[idx]
        if cached is None:
            cached = insights_extract(self.events[idx][2])
            self._flat[idx] = cached
        return cached


def read_lines(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def insights_extract(message):
    """Flattened fields of a JSON event, first 200 leaves in document order (Insights' limit)."""
    try:
        obj = json.loads(message)
    except ValueError:
        return {}
    if not isinstance(obj, (dict, list)):
        return {}
    out = {}
    count = [0]

    def walk(prefix, value):
        if count[0] >= INSIGHTS_FIELD_LIMIT:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
                if count[0] >= INSIGHTS_FIELD_LIMIT:
                    return
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{prefix}.{i}" if prefix else str(i), v)
                if count[0] >= INSIGHTS_FIELD_LIMIT:
                    return
        else:
            count[0] += 1  # a JSON null uses a slot but yields no value
            if value is not None:
                out[prefix] = value

    walk("", obj)
    return out


def load_cost_rows(rows, account):
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValueError(f"cost row {i} is not an object")
        r = {str(k).lower(): v for k, v in row.items() if k != "tags"}
        try:
            r["date"] = datetime.date.fromisoformat(str(row["date"]))
            r["cost"] = decimal.Decimal(str(row.get("cost", "0")))
            r["quantity"] = decimal.Decimal(str(row.get("quantity", "0")))
        except (KeyError, ValueError, decimal.InvalidOperation) as exc:
            raise ValueError(f"cost row {i}: {exc}") from exc
        r.setdefault("record_type", "Usage")
        r.setdefault("linked_account", account)
        r.setdefault("region", "us-east-1")
        r.setdefault("unit", "N/A")
        r["tags"] = dict(row.get("tags") or {})
        r["cost_categories"] = dict(row.get("cost_categories") or {})
        out.append(r)
    return out


# --------------------------------------------------------------------------------------------
# FilterLogEvents filter patterns (subset: terms, JSON equality/comparison)
# --------------------------------------------------------------------------------------------

_JSON_COND_RE = re.compile(r"^\(?\s*\$\.?([A-Za-z0-9_.\[\]\-@$]*)\s*(=|!=|>=|<=|>|<)\s*(.+?)\s*\)?$")


def _json_path(obj, path):
    cur = obj
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


def compile_filter_pattern(pattern):
    if pattern is None:
        return None
    if not isinstance(pattern, str) or len(pattern) > 1024:
        raise bad_param("Invalid filter pattern")
    p = pattern.strip()
    if not p:
        return None
    if p.startswith("{"):
        if not p.endswith("}"):
            raise bad_param("Invalid filter pattern: unbalanced braces")
        inner = p[1:-1].strip()
        alternatives = []
        for alt in re.split(r"\|\|", inner):
            conds = []
            for cond in re.split(r"&&", alt):
                m = _JSON_COND_RE.match(cond.strip())
                if not m:
                    raise bad_param(f"Invalid filter pattern (unsupported by the double): {cond.strip()}")
                path, op, raw = m.groups()
                raw = raw.strip()
                if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                    literal = raw[1:-1]
                else:
                    try:
                        literal = float(raw)
                    except ValueError:
                        literal = raw
                conds.append((path, op, literal))
            alternatives.append(conds)

        def json_match(message):
            try:
                obj = json.loads(message)
            except ValueError:
                return False
            for conds in alternatives:
                if all(_json_cond(obj, c) for c in conds):
                    return True
            return False

        return json_match
    if p.startswith("["):
        raise bad_param("Invalid filter pattern (space-delimited patterns unsupported by the double)")
    required, excluded, optional = [], [], []
    for m in re.finditer(r'([-?]?)(?:"([^"]*)"|(\S+))', p):
        prefix, quoted, bare = m.groups()
        term = quoted if quoted is not None else bare
        {"-": excluded, "?": optional}.get(prefix, required).append(term)

    def term_match(message):
        if any(t in message for t in excluded):
            return False
        if not all(t in message for t in required):
            return False
        return not optional or any(t in message for t in optional)

    return term_match


def _json_cond(obj, cond):
    path, op, literal = cond
    value = _json_path(obj, path)
    if value is None:
        return op == "!="
    if isinstance(literal, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return op == "!="
        return {"=": value == literal, "!=": value != literal, ">": value > literal, "<": value < literal,
                ">=": value >= literal, "<=": value <= literal}[op]
    if op not in ("=", "!="):
        return False
    text = value if isinstance(value, str) else json.dumps(value)
    regex = "^" + ".*".join(re.escape(part) for part in str(literal).split("*")) + "$"
    hit = re.match(regex, text, re.S) is not None
    return hit if op == "=" else not hit


# --------------------------------------------------------------------------------------------
# Logs Insights: a small interpreter for the query language subset our server sends
# --------------------------------------------------------------------------------------------

_DURATION_MS = {"ms": 1, "s": 1000, "sec": 1000, "m": 60000, "min": 60000, "h": 3600000, "hr": 3600000,
                "d": 86400000, "w": 7 * 86400000}
AGGREGATES = {"count", "sum", "avg", "min", "max", "count_distinct", "earliest", "latest"}
SCALAR_FUNCS = {"ispresent", "isempty", "isblank", "coalesce", "concat", "tolower", "toupper", "strlen", "trim",
                "abs", "ceil", "floor", "bin", "tonumber"}
COMMANDS = {"fields", "display", "filter", "stats", "sort", "limit", "parse", "dedup"}


class QueryError(Exception):
    def __init__(self, message, start, end):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


class Tok:
    __slots__ = ("kind", "value", "start", "end", "quoted")

    def __init__(self, kind, value, start, end):
        self.kind, self.value, self.start, self.end = kind, value, start, end
        self.quoted = False

    def is_kw(self, word):
        return self.kind == "IDENT" and isinstance(self.value, str) and self.value.lower() == word and not self.quoted


_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_WORD_RE = re.compile(r"[A-Za-z]+")
_IDENT_RE = re.compile(r"[A-Za-z0-9_.@$]+")


def _regex_allowed(toks):
    """'/' starts a regex unless it follows an operand (then it divides); `like /x/` and
    `parse @message /x/` are the operand-looking exceptions."""
    if not toks:
        return True
    prev = toks[-1]
    if prev.kind == "IDENT" and not prev.quoted and prev.value.lower() in ("like", "and", "or", "not", "in"):
        return True
    if prev.kind == "IDENT" and len(toks) >= 2 and toks[-2].is_kw("parse"):
        return True
    if prev.kind in ("IDENT", "NUM", "STR", "DUR"):
        return False
    return not (prev.kind == "OP" and prev.value in (")", "]"))


def tokenize_query(q):
    toks = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c == "|":
            toks.append(Tok("PIPE", "|", i, i + 1))
            i += 1
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and q[j] != c:
                if q[j] == "\\" and j + 1 < n:
                    buf.append(q[j + 1])
                    j += 2
                    continue
                buf.append(q[j])
                j += 1
            if j >= n:
                raise QueryError("unterminated string literal", i, n)
            toks.append(Tok("STR", "".join(buf), i, j + 1))
            i = j + 1
        elif c == "`":
            j = q.find("`", i + 1)
            if j < 0:
                raise QueryError("unterminated quoted field name", i, n)
            t = Tok("IDENT", q[i + 1:j], i, j + 1)
            t.quoted = True
            toks.append(t)
            i = j + 1
        elif c.isdigit():
            m = _NUM_RE.match(q, i)
            num = float(m.group()) if "." in m.group() else int(m.group())
            w = _WORD_RE.match(q, m.end())
            if w:
                unit = w.group().lower()
                if unit not in _DURATION_MS:
                    raise QueryError(f"invalid time unit '{w.group()}'", i, w.end())
                toks.append(Tok("DUR", int(num * _DURATION_MS[unit]), i, w.end()))
                i = w.end()
            else:
                toks.append(Tok("NUM", num, i, m.end()))
                i = m.end()
        elif c.isalpha() or c in "_@":
            m = _IDENT_RE.match(q, i)
            toks.append(Tok("IDENT", m.group(), i, m.end()))
            i = m.end()
        elif c == "/" and _regex_allowed(toks):
            j = i + 1
            while j < n and q[j] != "/":
                j += 2 if q[j] == "\\" else 1
            if j >= n:
                raise QueryError("unterminated regular expression", i, n)
            body = q[i + 1:j]
            k = j + 1
            while k < n and q[k].isalpha():
                k += 1
            flags = re.I if "i" in q[j + 1:k] else 0
            try:
                rx = re.compile(re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", body), flags)
            except re.error as exc:
                raise QueryError(f"invalid regular expression: {exc}", i, k) from exc
            toks.append(Tok("REGEX", rx, i, k))
            i = k
        else:
            two = q[i:i + 2]
            if two in ("!=", "<=", ">=", "=~", "=="):
                toks.append(Tok("OP", "=" if two == "==" else two, i, i + 2))
                i += 2
            elif c in "=<>(),+-*/%[]":
                toks.append(Tok("OP", c, i, i + 1))
                i += 1
            else:
                raise QueryError(f"unexpected character '{c}'", i, i + 1)
    return toks


class _QueryParser:
    def __init__(self, text):
        self.text = text
        self.toks = tokenize_query(text)
        self.pos = 0

    def peek(self, k=0):
        p = self.pos + k
        return self.toks[p] if p < len(self.toks) else None

    def next(self):
        t = self.peek()
        if t is None:
            raise QueryError("unexpected end of query", len(self.text), len(self.text))
        self.pos += 1
        return t

    def error(self, msg, tok=None):
        tok = tok or self.peek()
        if tok is None:
            raise QueryError(msg, len(self.text), len(self.text))
        raise QueryError(msg, tok.start, tok.end)

    def at_op(self, value):
        t = self.peek()
        return t is not None and t.kind == "OP" and t.value == value

    def at_kw(self, word):
        t = self.peek()
        return t is not None and t.is_kw(word)

    def expect_op(self, value):
        if not self.at_op(value):
            self.error(f"expected '{value}'")
        return self.next()

    def at_command_end(self):
        t = self.peek()
        return t is None or t.kind == "PIPE"

    # ---- commands
    def parse(self):
        commands = []
        while True:
            if self.peek() is None:
                if not commands:
                    self.error("empty query")
                break
            commands.append(self.parse_command())
            if self.peek() is None:
                break
            if self.peek().kind != "PIPE":
                self.error("expected '|' or end of query")
            self.next()
        return commands

    def parse_command(self):
        t = self.next()
        if t.kind != "IDENT" or t.quoted or t.value.lower() not in COMMANDS:
            raise QueryError(f"unexpected symbol '{self.text[t.start:t.end]}'; expected a command "
                             f"(fields, filter, stats, sort, limit, display, parse, dedup)", t.start, t.end)
        cmd = t.value.lower()
        if cmd in ("fields", "display"):
            return (cmd, self.parse_items(allow_agg=False))
        if cmd == "filter":
            e = self.parse_expr()
            self.check_no_agg(e)
            if not self.at_command_end():
                self.error("unexpected token after filter expression")
            return ("filter", e)
        if cmd == "stats":
            items = self.parse_items(allow_agg=True, stop_kw="by")
            for node, _name in items:
                if not self.contains_agg(node):
                    self.error("stats expressions must use an aggregation function", None)
            by = []
            if self.at_kw("by"):
                self.next()
                by = self.parse_items(allow_agg=False)
            if not self.at_command_end():
                self.error("unexpected token in stats")
            return ("stats", items, by)
        if cmd == "sort":
            keys = []
            while True:
                e = self.parse_expr()
                desc = False
                if self.at_kw("asc") or self.at_kw("desc"):
                    desc = self.next().value.lower() == "desc"
                keys.append((e, desc))
                if self.at_op(","):
                    self.next()
                    continue
                break
            if not self.at_command_end():
                self.error("unexpected token in sort")
            return ("sort", keys)
        if cmd == "limit":
            t2 = self.next()
            if t2.kind != "NUM" or not isinstance(t2.value, int) or t2.value < 1:
                raise QueryError("limit needs a positive integer", t2.start, t2.end)
            return ("limit", t2.value)
        if cmd == "dedup":
            items = self.parse_items(allow_agg=False)
            return ("dedup", [node for node, _ in items])
        # parse <field> /regex/  |  parse <field> "glob * pattern" as a, b
        src = self.parse_primary()
        t2 = self.next()
        if t2.kind == "REGEX":
            if not t2.value.groupindex:
                raise QueryError("parse regex needs named capture groups", t2.start, t2.end)
            return ("parse", src, t2.value, list(t2.value.groupindex))
        if t2.kind != "STR":
            raise QueryError("parse needs a /regex/ or a \"glob\" pattern", t2.start, t2.end)
        if not self.at_kw("as"):
            self.error("expected 'as' after parse pattern")
        self.next()
        names = []
        while True:
            n = self.next()
            if n.kind != "IDENT":
                raise QueryError("expected a field name", n.start, n.end)
            names.append(n.value)
            if self.at_op(","):
                self.next()
                continue
            break
        parts = t2.value.split("*")
        if len(parts) - 1 != len(names):
            raise QueryError("number of '*' does not match number of fields", t2.start, t2.end)
        rx = re.compile("".join(re.escape(p) + ("(.*?)" if i < len(names) else "")
                                for i, p in enumerate(parts)) + ("$" if not parts[-1] else ""), re.S)
        return ("parse", src, rx, names)

    def parse_items(self, allow_agg, stop_kw=None):
        items = []
        while True:
            start_tok = self.peek()
            if start_tok is None or start_tok.kind == "PIPE":
                self.error("expected an expression")
            node = self.parse_expr()
            end_tok = self.toks[self.pos - 1]
            if not allow_agg:
                self.check_no_agg(node)
            if self.at_kw("as"):
                self.next()
                n = self.next()
                if n.kind != "IDENT":
                    raise QueryError("expected a name after 'as'", n.start, n.end)
                name = n.value
            elif node[0] == "field":
                name = node[1]
            else:
                name = self.text[start_tok.start:end_tok.end]
            items.append((node, name))
            if self.at_op(","):
                self.next()
                continue
            if stop_kw and self.at_kw(stop_kw):
                break
            break
        return items

    def contains_agg(self, node):
        if node[0] == "call" and node[1] in AGGREGATES:
            return True
        return any(self.contains_agg(c) for c in node[2:] if isinstance(c, tuple)) or \
            (node[0] == "call" and any(self.contains_agg(a) for a in node[2]))

    def check_no_agg(self, node):
        if self.contains_agg(node):
            raise QueryError("aggregation functions are only allowed in stats", 0, len(self.text))

    # ---- expressions
    def parse_expr(self):
        left = self.parse_and()
        while self.at_kw("or"):
            self.next()
            left = ("or", left, self.parse_and())
        return left

    def parse_and(self):
        left = self.parse_not()
        while self.at_kw("and"):
            self.next()
            left = ("and", left, self.parse_not())
        return left

    def parse_not(self):
        if self.at_kw("not"):
            self.next()
            return ("not", self.parse_not())
        return self.parse_cmp()

    def parse_cmp(self):
        left = self.parse_add()
        t = self.peek()
        if t is None:
            return left
        negate = False
        if t.is_kw("not") and self.peek(1) is not None and (self.peek(1).is_kw("like") or self.peek(1).is_kw("in")):
            self.next()
            negate = True
            t = self.peek()
        if t.kind == "OP" and t.value in ("=", "!=", "<", "<=", ">", ">="):
            self.next()
            return ("cmp", t.value, left, self.parse_add())
        if t.is_kw("like") or (t.kind == "OP" and t.value == "=~"):
            self.next()
            pat = self.next()
            if pat.kind == "REGEX":
                rx = pat.value
            elif pat.kind == "STR":
                rx = re.compile(re.escape(pat.value))
            else:
                raise QueryError("like needs a string or /regex/", pat.start, pat.end)
            node = ("like", left, rx)
            return ("not", node) if negate else node
        if t.is_kw("in"):
            self.next()
            self.expect_op("[")
            values = []
            while not self.at_op("]"):
                values.append(self.parse_add())
                if self.at_op(","):
                    self.next()
            self.next()
            node = ("in", left, values)
            return ("not", node) if negate else node
        return left

    def parse_add(self):
        left = self.parse_mul()
        while self.at_op("+") or self.at_op("-"):
            op = self.next().value
            left = ("arith", op, left, self.parse_mul())
        return left

    def parse_mul(self):
        left = self.parse_unary()
        while self.at_op("*") or self.at_op("/") or self.at_op("%"):
            op = self.next().value
            left = ("arith", op, left, self.parse_unary())
        return left

    def parse_unary(self):
        if self.at_op("-"):
            self.next()
            return ("arith", "-", ("num", 0), self.parse_unary())
        return self.parse_primary()

    def parse_primary(self):
        t = self.next()
        if t.kind == "NUM":
            return ("num", t.value)
        if t.kind == "STR":
            return ("str", t.value)
        if t.kind == "DUR":
            return ("dur", t.value)
        if t.kind == "OP" and t.value == "(":
            e = self.parse_expr()
            self.expect_op(")")
            return e
        if t.kind == "IDENT":
            if not t.quoted and self.at_op("("):
                name = t.value.lower()
                if name not in AGGREGATES and name not in SCALAR_FUNCS:
                    raise QueryError(f"unknown function '{t.value}'", t.start, t.end)
                self.next()
                args = []
                if self.at_op("*") and self.peek(1) is not None and self.peek(1).kind == "OP" and self.peek(1).value == ")":
                    self.next()
                    args.append(("star",))
                while not self.at_op(")"):
                    args.append(self.parse_expr())
                    if self.at_op(","):
                        self.next()
                    elif not self.at_op(")"):
                        self.error("expected ',' or ')'")
                self.next()
                if name == "bin" and (len(args) != 1 or args[0][0] != "dur"):
                    raise QueryError("bin() needs a time period such as 1d", t.start, t.end)
                if name in AGGREGATES and name != "count" and (len(args) != 1 or args[0][0] == "star"):
                    raise QueryError(f"{name}() takes one field", t.start, t.end)
                return ("call", name, args)
            return ("field", t.value)
        raise QueryError(f"unexpected symbol '{self.text[t.start:t.end]}'", t.start, t.end)


def to_number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s)
        except ValueError:
            try:
                return float(s)
            except ValueError:
                return None
    return None


def format_value(name, v):
    if v is None:
        return None
    if name in ("@timestamp", "@ingestionTime") and isinstance(v, int):
        return insights_time(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def eval_expr(node, row, aggs=None):
    kind = node[0]
    if kind == "field":
        return row.get(node[1])
    if kind in ("num", "str", "dur"):
        return node[1]
    if kind == "star":
        return True
    if kind == "and":
        return bool(eval_expr(node[1], row, aggs)) and bool(eval_expr(node[2], row, aggs))
    if kind == "or":
        return bool(eval_expr(node[1], row, aggs)) or bool(eval_expr(node[2], row, aggs))
    if kind == "not":
        return not eval_expr(node[1], row, aggs)
    if kind == "cmp":
        return compare(node[1], eval_expr(node[2], row, aggs), eval_expr(node[3], row, aggs))
    if kind == "like":
        v = eval_expr(node[1], row, aggs)
        return v is not None and node[2].search(format_value("", v)) is not None
    if kind == "in":
        v = eval_expr(node[1], row, aggs)
        return any(compare("=", v, eval_expr(x, row, aggs)) for x in node[2])
    if kind == "arith":
        a, b = to_number(eval_expr(node[2], row, aggs)), to_number(eval_expr(node[3], row, aggs))
        if a is None or b is None:
            return None
        op = node[1]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return None
        return a / b if op == "/" else a % b
    if kind == "call":
        name, args = node[1], node[2]
        if name in AGGREGATES:
            return (aggs or {}).get(id(node))
        vals = [eval_expr(a, row, aggs) for a in args]
        if name == "ispresent":
            return bool(vals) and vals[0] is not None
        if name == "isempty":
            return not vals or vals[0] is None or vals[0] == ""
        if name == "isblank":
            return not vals or vals[0] is None or str(vals[0]).strip() == ""
        if name == "coalesce":
            return next((v for v in vals if v is not None), None)
        if name == "concat":
            return "".join(format_value("", v) for v in vals if v is not None)
        if name == "bin":
            ts = row.get("@timestamp")
            if not isinstance(ts, int):
                return None
            return insights_time(ts - ts % vals[0])
        if not vals or vals[0] is None:
            return None
        v = vals[0]
        if name == "tolower":
            return str(v).lower()
        if name == "toupper":
            return str(v).upper()
        if name == "trim":
            return str(v).strip()
        if name == "strlen":
            return len(format_value("", v))
        num = to_number(v)
        if num is None:
            return None
        if name == "tonumber":
            return num
        if name == "abs":
            return abs(num)
        if name == "ceil":
            return -int(-num // 1)
        if name == "floor":
            return int(num // 1)
    raise ValueError(f"cannot evaluate {kind}")


def compare(op, a, b):
    if a is None or b is None:
        return op == "!=" and (a is None) != (b is None)
    na, nb = to_number(a), to_number(b)
    if na is not None and nb is not None and (not isinstance(a, str) or not isinstance(b, str)):
        a, b = na, nb
    else:
        a, b = format_value("", a), format_value("", b)
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


class _Agg:
    def __init__(self, node):
        self.name = node[1]
        self.arg = node[2][0] if node[2] else ("star",)
        self.n = 0
        self.total = None
        self.best = None
        self.best_ts = None
        self.distinct = set()

    def add(self, row):
        v = eval_expr(self.arg, row)
        if v is None:
            return
        name = self.name
        if name == "count":
            self.n += 1
        elif name in ("sum", "avg"):
            num = to_number(v)
            if num is not None:
                self.total = num if self.total is None else self.total + num
                self.n += 1
        elif name in ("min", "max"):
            num = to_number(v)
            key = num if num is not None else v
            if self.best is None or (key < self.best if name == "min" else key > self.best):
                self.best = key
        elif name == "count_distinct":
            self.distinct.add(v)
        else:  # earliest / latest
            ts = row.get("@timestamp", 0)
            if self.best_ts is None or (ts < self.best_ts if name == "earliest" else ts >= self.best_ts):
                self.best_ts, self.best = ts, v

    def result(self):
        if self.name == "count":
            return self.n
        if self.name == "sum":
            return self.total  # no values: None, the field is omitted from the row
        if self.name == "avg":
            return None if not self.n else self.total / self.n
        if self.name == "count_distinct":
            return len(self.distinct)
        return self.best


def _collect_aggs(node, out):
    if node[0] == "call":
        if node[1] in AGGREGATES:
            out.append(node)
            return
        for a in node[2]:
            _collect_aggs(a, out)
        return
    for c in node[1:]:
        if isinstance(c, tuple):
            _collect_aggs(c, out)
        elif isinstance(c, list):
            for x in c:
                if isinstance(x, tuple):
                    _collect_aggs(x, out)


def _sort_rows(rows, keys):
    for expr, desc in reversed(keys):
        present = [r for r in rows if eval_expr(expr, r) is not None]
        missing = [r for r in rows if eval_expr(expr, r) is None]

        def key(r, expr=expr):
            v = eval_expr(expr, r)
            num = to_number(v) if not isinstance(v, str) else None
            return (0, num, "") if num is not None else (1, 0, format_value("", v))

        rows = sorted(present, key=key, reverse=desc) + missing
    return rows


def compile_query(text):
    """Returns the parsed command list or raises QueryError."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("empty query", 0, 0)
    if len(text) > 10000:
        raise QueryError("query is longer than 10000 characters", 0, len(text))
    return _QueryParser(text).parse()


def run_query(commands, event_rows, limit):
    """event_rows: list of row dicts in timestamp order. Returns (results, records_matched)."""
    rows = event_rows
    projection = []
    display = None
    is_stats = False
    explicit_sort = False
    limit_n = limit
    matched = None
    for cmd in commands:
        kind = cmd[0]
        if kind in ("fields", "display"):
            new_rows = []
            for r in rows:
                r2 = dict(r)
                for node, name in cmd[1]:
                    if node[0] != "field" or node[1] != name:
                        r2[name] = eval_expr(node, r)
                new_rows.append(r2)
            rows = new_rows
            names = [name for _node, name in cmd[1]]
            if kind == "display":
                display = names
            else:
                projection.extend(n for n in names if n not in projection)
        elif kind == "filter":
            rows = [r for r in rows if eval_expr(cmd[1], r)]
        elif kind == "parse":
            _, src, rx, names = cmd
            new_rows = []
            for r in rows:
                v = eval_expr(src, r)
                m = rx.search(format_value("", v)) if v is not None else None
                r2 = dict(r)
                for i, name in enumerate(names):
                    r2[name] = (m.group(name) if rx.groupindex else m.group(i + 1)) if m else None
                new_rows.append(r2)
            rows = new_rows
        elif kind == "dedup":
            seen, kept = set(), []
            for r in rows:
                key = tuple(eval_expr(e, r) for e in cmd[1])
                if key not in seen:
                    seen.add(key)
                    kept.append(r)
            rows = kept
        elif kind == "stats":
            if matched is None:
                matched = len(rows)
            _, items, by = cmd
            agg_nodes = []
            for node, _name in items:
                _collect_aggs(node, agg_nodes)
            groups = collections.OrderedDict()
            for r in rows:
                key = tuple(eval_expr(node, r) for node, _ in by)
                g = groups.get(key)
                if g is None:
                    g = groups[key] = [_Agg(a) for a in agg_nodes]
                for acc in g:
                    acc.add(r)
            if not by and not groups:
                groups[()] = [_Agg(a) for a in agg_nodes]
            new_rows = []
            for key, accs in groups.items():
                out = {}
                for (node, name), v in zip(by, key):
                    out[name] = v
                aggvals = {id(a): acc.result() for a, acc in zip(agg_nodes, accs)}
                for node, name in items:
                    out[name] = eval_expr(node, out, aggvals)
                new_rows.append(out)
            rows = new_rows
            projection = [name for _, name in by] + [name for _, name in items]
            display = None
            is_stats = True
        elif kind == "sort":
            rows = _sort_rows(rows, cmd[1])
            explicit_sort = True
        elif kind == "limit":
            limit_n = min(limit_n, cmd[1])
    if matched is None:
        matched = len(rows)
    if not is_stats and not explicit_sort:
        rows = _sort_rows(rows, [(("field", "@timestamp"), True)])
    rows = rows[:limit_n]
    columns = display or projection or (["@timestamp", "@message"] if not is_stats else [])
    results = []
    for r in rows:
        out = []
        for name in columns:
            v = format_value(name, r.get(name))
            if v is not None:
                out.append({"field": name, "value": v})
        if not is_stats and "@ptr" in r:
            out.append({"field": "@ptr", "value": r["@ptr"]})
        results.append(out)
    return results, matched


class Query:
    def __init__(self, query_id, created, delay_s, results, statistics, groups):
        self.query_id = query_id
        self.created = created
        self.delay_s = delay_s
        self.results = results
        self.statistics = statistics
        self.groups = groups
        self.cancelled = False

    def status(self, now):
        if self.cancelled:
            return "Cancelled"
        elapsed = now - self.created
        if elapsed < self.delay_s / 3:
            return "Scheduled"
        if elapsed < self.delay_s:
            return "Running"
        return "Complete"


# --------------------------------------------------------------------------------------------
# Credentials and SigV4 verification
# --------------------------------------------------------------------------------------------


class Principal:
    def __init__(self, akid, secret, account, arn, token=None, expiration=None, role_arn=None, session_name=None):
        self.akid = akid
        self.secret = secret
        self.account = account
        self.arn = arn
        self.token = token
        self.expiration = expiration
        self.role_arn = role_arn
        self.session_name = session_name

    def user_id(self):
        digest = hashlib.sha256(self.arn.encode()).hexdigest().upper()
        if ":assumed-role/" in self.arn:
            return "AROA" + digest[:17] + ":" + self.arn.rsplit("/", 1)[1]
        if self.arn.endswith(":root"):
            return self.account
        return "AIDA" + digest[:17]


class _VerifyingSigV4(botocore.auth.SigV4Auth):
    """botocore's SigV4 with the header set the client declared (SignedHeaders), as AWS does.

    Stock headers_to_sign() takes every header minus a blacklist (user-agent, expect, ...) and adds
    a host; a verifier must canonicalise exactly the headers named in the Authorization header.
    """

    def __init__(self, credentials, service, region, signed_names):
        super().__init__(credentials, service, region)
        self._signed_names = signed_names

    def headers_to_sign(self, request):
        header_map = botocore.compat.HTTPHeaders()
        for name in self._signed_names:
            for value in request.headers.get_all(name) or []:
                header_map[name] = value
        return header_map


_AUTH_PARAM_RE = re.compile(r"(\w+)=([^,\s]*)")


def parse_authorization(value):
    algorithm, _, rest = value.strip().partition(" ")
    params = dict(_AUTH_PARAM_RE.findall(rest))
    return algorithm, params


def parse_amz_date(text):
    try:
        return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# The double
# --------------------------------------------------------------------------------------------


class Double:
    def __init__(self, account, region):
        self.lock = threading.RLock()
        self.account = account
        self.region = region
        self.config = json.loads(json.dumps(DEFAULT_CONFIG))
        self.principals = {}
        self.groups = {}
        self.cost_rows = []
        self.queries = {}
        self.buckets = {}
        self.token_key = secrets.token_bytes(32)
        self.reset_stats()

    # ---- configuration
    def add_credentials(self, akid, secret, account=None, arn=None):
        account = account or self.account
        arn = arn or f"arn:aws:iam::{account}:user/tester"
        with self.lock:
            self.principals[akid] = Principal(akid, secret, account, arn)

    def set_group(self, group):
        with self.lock:
            self.groups[group.name] = group

    def update_config(self, patch):
        if not isinstance(patch, dict):
            raise ValueError("config must be a JSON object")
        with self.lock:
            if patch.get("reset"):
                self.config = json.loads(json.dumps(DEFAULT_CONFIG))
                self.buckets.clear()
            for key, value in patch.items():
                if key == "reset":
                    continue
                if key == "credentials":
                    for c in value:
                        self.add_credentials(c["akid"], c["secret"], c.get("account"), c.get("arn"))
                elif key == "expire_all_sessions":
                    if value:
                        now = self.now()
                        for p in self.principals.values():
                            if p.token:
                                p.expiration = min(p.expiration, now - 1)
                elif key in OP_MAP_KEYS or key in ("deny", "roles"):
                    if not isinstance(value, dict):
                        raise ValueError(f"{key} must be an object")
                    target = self.config[key]
                    for k, v in value.items():
                        k = k if key in ("deny", "roles") else k.split(":")[-1]
                        if v is None or v == 0 and key in OP_MAP_KEYS:
                            target.pop(k, None)
                            if key == "throttle":
                                self.buckets.pop(k, None)
                        else:
                            target[k] = v
                            if key == "throttle":
                                self.buckets.pop(k, None)
                elif key in DEFAULT_CONFIG:
                    self.config[key] = value
                else:
                    raise ValueError(f"unknown config key '{key}'")
            return json.loads(json.dumps(self.config))

    def now(self):
        return time.time() + float(self.config.get("clock_offset_s") or 0)

    # ---- stats
    def reset_stats(self):
        with self.lock:
            self.stats = {
                "requests": 0,
                "ops": {},
                "signatures": {"verified": 0, "rejected": 0, "unsigned": 0, "rejected_reasons": {}},
                "principals": {},
                "accounts": {},
                "in_flight": 0,
                "max_in_flight": 0,
                "ce": {"requests": 0, "billable_requests": 0, "billable_usd": "0.00"},
                "control_requests": 0,
                "recent": collections.deque(maxlen=1000),
            }
            self.seq = 0

    def op_stats(self, op):
        s = self.stats["ops"].get(op)
        if s is None:
            s = self.stats["ops"][op] = {"count": 0, "ok": 0, "errors": {}, "throttled": 0, "injected_5xx": 0,
                                         "in_flight": 0, "max_in_flight": 0}
        return s

    def stats_snapshot(self):
        with self.lock:
            snap = json.loads(json.dumps({k: v for k, v in self.stats.items() if k != "recent"}))
            snap["recent"] = list(self.stats["recent"])
            snap["all_verified"] = (snap["signatures"]["rejected"] == 0)
            return snap

    # ---- request processing
    def handle_aws(self, ctx):
        """ctx: dict(service, op, protocol, method, path, query, headers, body, params, request_id).
        Returns (status, content_type, body_bytes, extra_headers)."""
        op = ctx["op"]
        with self.lock:
            self.seq += 1
            seq = self.seq
            self.stats["requests"] += 1
            s = self.op_stats(op)
            s["count"] += 1
            s["in_flight"] += 1
            s["max_in_flight"] = max(s["max_in_flight"], s["in_flight"])
            self.stats["in_flight"] += 1
            self.stats["max_in_flight"] = max(self.stats["max_in_flight"], self.stats["in_flight"])
        record = {"seq": seq, "service": ctx["service"], "op": op, "akid": None, "principal": None,
                  "account": None, "region": None, "signature": None, "status": None, "error": None}
        try:
            try:
                status, ctype, body = self._process(ctx, record)
            except ApiError as err:
                status, ctype, body = self.render_error(ctx, err)
                record["error"] = err.code
                if err.code in ("ThrottlingException", "Throttling", self.config.get("ce_throttle_code")) \
                        and err.extra.get("_throttle"):
                    with self.lock:
                        self.op_stats(op)["throttled"] += 1
            record["status"] = status
            return status, ctype, body
        finally:
            with self.lock:
                s = self.op_stats(op)
                s["in_flight"] -= 1
                self.stats["in_flight"] -= 1
                if record["error"]:
                    s["errors"][record["error"]] = s["errors"].get(record["error"], 0) + 1
                else:
                    s["ok"] += 1
                if ctx["service"] == "ce":
                    self.stats["ce"]["requests"] += 1
                    if not record["error"]:
                        self.stats["ce"]["billable_requests"] += 1
                        self.stats["ce"]["billable_usd"] = "%.2f" % (self.stats["ce"]["billable_requests"] * 0.01)
                self.stats["recent"].append(record)

    def _process(self, ctx, record):
        service, op = ctx["service"], ctx["op"]
        if op == "AssumeRoleWithWebIdentity":
            principal, region = None, None
            with self.lock:
                self.stats["signatures"]["unsigned"] += 1
            record["signature"] = "unsigned"
        else:
            try:
                principal, region = self.verify_signature(ctx, service)
            except ApiError as err:
                record["signature"] = "rejected"
                with self.lock:
                    sig = self.stats["signatures"]
                    sig["rejected"] += 1
                    sig["rejected_reasons"][err.code] = sig["rejected_reasons"].get(err.code, 0) + 1
                raise
            record["signature"] = "verified"
            record.update(akid=principal.akid, principal=principal.arn, account=principal.account, region=region)
            with self.lock:
                self.stats["signatures"]["verified"] += 1
                self.stats["principals"][principal.arn] = self.stats["principals"].get(principal.arn, 0) + 1
                self.stats["accounts"][principal.account] = self.stats["accounts"].get(principal.account, 0) + 1
        known = {"logs": LOGS_OPS, "ce": CE_OPS, "sts": STS_OPS}[service]
        if op not in known:
            if service == "sts":
                raise ApiError(400, "InvalidAction", f"Could not find operation {op} for version 2011-06-15")
            raise ApiError(400, "UnknownOperationException", f"Operation {op} is not implemented by the double")
        params = ctx["params"]
        if principal is not None:
            self.check_access(principal, service, op, params, region)
        self.inject_faults(service, op)
        with self.lock:
            latency = self._op_value(self.config["latency_ms"], op)
        if latency:
            time.sleep(float(latency) / 1000.0)
        handler = getattr(self, "op_" + op)
        result = handler(params, principal, region, ctx)
        if isinstance(result, RawJson):
            return 200, JSON_CT, result.data
        if service == "sts":
            return 200, "text/xml", result.encode("utf-8")
        return 200, JSON_CT, json.dumps(result, separators=(",", ":")).encode("utf-8")

    def render_error(self, ctx, err):
        if ctx["service"] == "sts":
            sender = "Receiver" if err.status >= 500 else "Sender"
            body = (f'<ErrorResponse xmlns="{STS_NS}">\n  <Error>\n    <Type>{sender}</Type>\n'
                    f"    <Code>{xml_escape(err.code)}</Code>\n    <Message>{xml_escape(err.message)}</Message>\n"
                    f"  </Error>\n  <RequestId>{ctx['request_id']}</RequestId>\n</ErrorResponse>\n")
            return err.status, "text/xml", body.encode("utf-8")
        code = err.code
        if self.config.get("qualified_error_types"):
            ns = "com.amazonaws.logs" if ctx["service"] == "logs" else "com.amazonaws.awsinsightsindexservice"
            ctx["error_type_header"] = f"{code}:http://internal.amazon.com/coral/{ns}/"
            code = f"{ns}#{code}"
        else:
            ctx["error_type_header"] = err.code
        payload = {"__type": code, "message": err.message}
        payload.update({k: v for k, v in err.extra.items() if not k.startswith("_")})
        return err.status, JSON_CT, json.dumps(payload).encode("utf-8")

    # ---- authentication
    def verify_signature(self, ctx, service):
        sts = service == "sts"

        def fail(json_code, sts_code, message, status_json=400, status_sts=403):
            return ApiError(status_sts if sts else status_json, sts_code if sts else json_code, message, auth=True)

        headers = ctx["headers"]
        auth = headers.get("Authorization")
        if not auth:
            raise fail("MissingAuthenticationTokenException", "MissingAuthenticationToken",
                       "Missing Authentication Token" if not sts else "Request is missing Authentication Token")
        algorithm, params = parse_authorization(auth)
        if algorithm != "AWS4-HMAC-SHA256":
            raise fail("IncompleteSignatureException", "IncompleteSignature",
                       f"Unsupported AWS 'algorithm': '{algorithm}'", 400, 400)
        for required in ("Credential", "SignedHeaders", "Signature"):
            if required not in params:
                raise fail("IncompleteSignatureException", "IncompleteSignature",
                           f"Authorization header requires '{required}' parameter. Authorization={auth}", 400, 400)
        scope = params["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            raise fail("IncompleteSignatureException", "IncompleteSignature",
                       f"Credential should have exactly 5 slash-delimited elements, e.g. "
                       f"keyid/date/region/service/term, got '{params['Credential']}'", 400, 400)
        akid, scope_date, region, scope_service, _ = scope
        signed_names = [h.strip().lower() for h in params["SignedHeaders"].split(";") if h.strip()]
        if scope_service != service:
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch",
                       f"Credential should be scoped to correct service: '{service}'. ")
        if service == "ce" and region != "us-east-1":
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch",
                       "Credential should be scoped to a valid region. ")
        if "host" not in signed_names:
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch",
                       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        amz_date = headers.get("X-Amz-Date")
        if amz_date:
            when = parse_amz_date(amz_date)
            if when is None:
                raise fail("IncompleteSignatureException", "IncompleteSignature",
                           f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.", 400, 400)
        elif headers.get("Date"):
            try:
                when = email.utils.parsedate_to_datetime(headers.get("Date")).astimezone(datetime.timezone.utc)
            except (TypeError, ValueError):
                when = None
            if when is None:
                raise fail("IncompleteSignatureException", "IncompleteSignature", "Invalid Date header", 400, 400)
            amz_date = when.strftime("%Y%m%dT%H%M%SZ")
        else:
            raise fail("IncompleteSignatureException", "IncompleteSignature",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                       400, 400)
        if scope_date != amz_date[:8]:
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch",
                       f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                       f"'{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.")
        with self.lock:
            principal = self.principals.get(akid)
            now = self.now()
            max_skew = float(self.config.get("max_skew_s") or 900)
        if principal is None:
            raise fail("UnrecognizedClientException", "InvalidClientTokenId", BAD_TOKEN)
        token = headers.get("X-Amz-Security-Token")
        if principal.token:
            if token != principal.token:
                raise fail("UnrecognizedClientException", "InvalidClientTokenId", BAD_TOKEN)
            if principal.expiration <= now:
                raise fail("ExpiredTokenException", "ExpiredToken", EXPIRED_TOKEN)
        elif token:
            raise fail("UnrecognizedClientException", "InvalidClientTokenId", BAD_TOKEN)
        skew = when.timestamp() - now
        if abs(skew) > max_skew:
            now_s = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
            fmt = "%Y%m%dT%H%M%SZ"
            if skew < 0:
                msg = (f"Signature expired: {amz_date} is now earlier than "
                       f"{(now_s - datetime.timedelta(seconds=max_skew)).strftime(fmt)} "
                       f"({now_s.strftime(fmt)} - {int(max_skew // 60)} min.)")
            else:
                msg = (f"Signature not yet current: {amz_date} is still later than "
                       f"{(now_s + datetime.timedelta(seconds=max_skew)).strftime(fmt)} "
                       f"({now_s.strftime(fmt)} + {int(max_skew // 60)} min.)")
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch", msg)
        expected = self.compute_signature(ctx, principal, region, service, signed_names, amz_date)
        if expected is None or not hmac.compare_digest(expected, params["Signature"]):
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch", SIG_MISMATCH)
        content_sha = headers.get("X-Amz-Content-SHA256")
        if content_sha and content_sha != "UNSIGNED-PAYLOAD" and \
                content_sha != hashlib.sha256(ctx["body"]).hexdigest():
            raise fail("InvalidSignatureException", "SignatureDoesNotMatch",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.")
        return principal, region

    def compute_signature(self, ctx, principal, region, service, signed_names, amz_date):
        headers = ctx["headers"]
        rebuilt = botocore.compat.HTTPHeaders()
        for name in signed_names:
            values = headers.get_all(name)
            if not values:
                return None  # a declared header was not sent: cannot match
            for v in values:
                rebuilt[name] = v
        host = headers.get("Host") or "localhost"
        request = botocore.awsrequest.AWSRequest(method=ctx["method"], url=f"http://{host}{ctx['raw_path']}",
                                                 data=ctx["body"])
        request.headers = rebuilt
        request.context["timestamp"] = amz_date
        creds = botocore.credentials.Credentials(principal.akid, principal.secret, principal.token)
        signer = _VerifyingSigV4(creds, service, region, signed_names)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        return signer.signature(string_to_sign, request)

    # ---- access control & faults
    def _op_value(self, mapping, op):
        if op in mapping:
            return mapping[op]
        return mapping.get("*")

    def check_access(self, principal, service, op, params, region):
        with self.lock:
            deny = self.config["deny"]
            denied = []
            for key in (principal.akid, principal.arn, principal.role_arn, "*"):
                if key and key in deny:
                    denied.extend(deny[key])
        action = f"{service}:{op}"
        if not any(d in (op, action, "*", f"{service}:*") for d in denied):
            return
        acct = principal.account
        if service == "logs":
            name = params.get("logGroupName") or params.get("logGroupIdentifier") or ""
            if isinstance(name, str) and name.startswith("arn:"):
                name = name.split(":log-group:", 1)[-1].rstrip("*").rstrip(":")
            if op == "StartQuery":
                names = params.get("logGroupNames") or params.get("logGroupIdentifiers") or [name]
                resource = f"arn:aws:logs:{region}:{acct}:log-group:{names[0] if names else ''}:*"
            else:
                resource = f"arn:aws:logs:{region}:{acct}:log-group:{name}:log-stream:"
        elif service == "ce":
            resource = f"arn:aws:ce:us-east-1:{acct}:/{op}"
        else:
            resource = params.get("RoleArn", "*")
        message = (f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} "
                   f"because no identity-based policy allows the {action} action")
        if service == "sts":
            raise ApiError(403, "AccessDenied", message)
        raise ApiError(400, "AccessDeniedException", message)

    def inject_faults(self, service, op):
        with self.lock:
            cfg = self.config
            for key, code_status in (("fail_next_5xx", None), ("throttle_next", None)):
                mapping = cfg[key]
                slot = op if op in mapping else ("*" if "*" in mapping else None)
                if slot is not None and int(mapping[slot]) > 0:
                    mapping[slot] = int(mapping[slot]) - 1
                    if mapping[slot] <= 0:
                        del mapping[slot]
                    if key == "fail_next_5xx":
                        self.op_stats(op)["injected_5xx"] += 1
                        if service == "sts":
                            raise ApiError(503, "ServiceUnavailable", "Service is unavailable (injected)")
                        raise ApiError(503, "ServiceUnavailableException", "The service is unavailable (injected).")
                    raise self._throttle_error(service)
            rate = self._op_value(cfg["throttle"], op)
            if rate:
                rate = float(rate)
                key = op if op in cfg["throttle"] else "*"
                cap = max(1.0, rate)
                now = time.monotonic()
                tokens, last = self.buckets.get(key, (cap, now))
                tokens = min(cap, tokens + (now - last) * rate)
                if tokens < 1.0:
                    self.buckets[key] = (tokens, now)
                    raise self._throttle_error(service)
                self.buckets[key] = (tokens - 1.0, now)

    def _throttle_error(self, service):
        if service == "sts":
            return ApiError(400, "Throttling", "Rate exceeded", {"_throttle": True})
        if service == "ce":
            code = self.config.get("ce_throttle_code") or "LimitExceededException"
            msg = "Rate exceeded" if code == "ThrottlingException" else \
                "You made too many calls in a short period of time. Try again later."
            return ApiError(400, code, msg, {"_throttle": True})
        return ApiError(400, "ThrottlingException", "Rate exceeded", {"_throttle": True})

    # ---- token helpers (opaque, HMAC-protected)
    def make_token(self, state):
        raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
        tag = hmac.new(self.token_key, raw, hashlib.sha256).digest()[:12]
        return b64url(raw + tag)

    def read_token(self, token, kind):
        try:
            blob = b64url_decode(token)
            raw, tag = blob[:-12], blob[-12:]
            if not hmac.compare_digest(tag, hmac.new(self.token_key, raw, hashlib.sha256).digest()[:12]):
                return None
            state = json.loads(raw)
            return state if state.get("t") == kind else None
        except (ValueError, TypeError, AttributeError):
            return None

    # ---- CloudWatch Logs
    def _visible_group(self, identifier, region, for_query=False):
        name = identifier
        if isinstance(identifier, str) and identifier.startswith("arn:"):
            m = re.match(r"^arn:aws[a-z-]*:logs:([^:]*):(\d{12}):log-group:([^:]+)(:\*)?$", identifier)
            if not m:
                raise bad_param(f"Invalid log group identifier: {identifier}")
            if m.group(1) != region:
                name = None
            else:
                name = m.group(3)
        with self.lock:
            group = self.groups.get(name) if name else None
        if group is None or group.region != region:
            if for_query:
                raise ApiError(400, "ResourceNotFoundException",
                               f"Log group '{identifier}' does not exist for account ID '{self.account}'")
            raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
        return group

    @staticmethod
    def _int_param(params, key, lo=None, hi=None, default=None):
        v = params.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise ApiError(400, "SerializationException", f"Expected an integer for '{key}'")
        if lo is not None and v < lo:
            raise bad_param(f"1 validation error detected: Value '{v}' at '{key}' failed to satisfy constraint: "
                            f"Member must have value greater than or equal to {lo}")
        if hi is not None and v > hi:
            raise bad_param(f"1 validation error detected: Value '{v}' at '{key}' failed to satisfy constraint: "
                            f"Member must have value less than or equal to {hi}")
        return v

    def op_FilterLogEvents(self, params, principal, region, ctx):
        name, ident = params.get("logGroupName"), params.get("logGroupIdentifier")
        if name and ident:
            raise bad_param("LogGroup name and LogGroup identifier are mutually exclusive parameters.")
        if not name and not ident:
            raise bad_param("Either logGroupName or logGroupIdentifier must be specified.")
        group = self._visible_group(name or ident, region)
        start = self._int_param(params, "startTime", lo=0)
        end = self._int_param(params, "endTime", lo=0)
        if start is not None and end is not None and end < start:
            raise bad_param("endTime can't be less than startTime")
        limit = self._int_param(params, "limit", 1, 10000, 10000)
        stream_names = params.get("logStreamNames")
        stream_prefix = params.get("logStreamNamePrefix")
        if stream_names is not None and stream_prefix is not None:
            raise bad_param("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
        stream_ok = True
        if stream_names is not None:
            if not isinstance(stream_names, list) or not 1 <= len(stream_names) <= 100:
                raise bad_param("logStreamNames must have 1 to 100 names")
            stream_ok = BEDROCK_STREAM in stream_names
        elif stream_prefix is not None:
            stream_ok = BEDROCK_STREAM.startswith(str(stream_prefix))
        pattern = params.get("filterPattern")
        matcher = compile_filter_pattern(pattern)
        fingerprint = hashlib.sha256(json.dumps([pattern, stream_names, stream_prefix]).encode()).hexdigest()[:16]
        with self.lock:
            cfg = dict(self.config)
        token = params.get("nextToken")
        if token is not None:
            state = self.read_token(token, "fle")
            if state is None:
                raise bad_param("The specified nextToken is invalid.")
            if (state["g"], state["r"], state["s"], state["e"], state["f"]) != \
                    (group.name, region, start, end, fingerprint) or state["gen"] != group.generation:
                raise bad_param("The specified nextToken is not valid for this request "
                                "(log group, time range or filter changed).")
        else:
            state = {"t": "fle", "g": group.name, "r": region, "s": start, "e": end, "f": fingerprint,
                     "gen": group.generation, "p": bisect.bisect_left(group.timestamps, start) if start else 0,
                     "m": 0, "k": 0, "x": 0}
        end_idx = bisect.bisect_right(group.timestamps, end) if end is not None else len(group.events)
        if not stream_ok:
            state["p"] = end_idx

        def empty_page(**changes):
            nxt = dict(state, **changes)
            return {"events": [], "nextToken": self.make_token(nxt), "searchedLogStreams": []}

        if state["m"] < int(cfg.get("empty_pages") or 0) and state["p"] < end_idx:
            return empty_page(m=state["m"] + 1)
        every = int(cfg.get("empty_pages_every") or 0)
        if every and state["k"] and state["k"] % every == 0 and state["x"] != state["k"] and state["p"] < end_idx:
            return empty_page(x=state["k"])
        cap = limit
        if cfg.get("page_events"):
            cap = min(cap, int(cfg["page_events"]))
        page_bytes = int(cfg.get("max_page_bytes") or FILTER_PAGE_BYTES)
        events, size, pos = [], 0, state["p"]
        while pos < end_idx and len(events) < cap:
            if matcher is None or matcher(group.events[pos][2]):
                wire, cost = group.wire_event(pos)
                if events and size + cost > page_bytes:
                    break
                size += cost
                events.append(wire)
            pos += 1
        # The same bytes as json.dumps of {"events": [...], "searchedLogStreams": [], "nextToken"?}.
        out = b'{"events":[' + b",".join(events) + b'],"searchedLogStreams":[]'
        more = pos < end_idx or (cfg.get("trailing_empty_page") and events and not state.get("tail"))
        if more:
            token = self.make_token(dict(state, p=pos, k=state["k"] + 1, tail=pos >= end_idx))
            out += b',"nextToken":' + json.dumps(token).encode("utf-8")
        return RawJson(out + b"}")

    def op_DescribeLogGroups(self, params, principal, region, ctx):
        prefix, pattern = params.get("logGroupNamePrefix"), params.get("logGroupNamePattern")
        if prefix is not None and pattern is not None:
            raise bad_param("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        limit = self._int_param(params, "limit", 1, 50, 50)
        idents = params.get("logGroupIdentifiers")
        with self.lock:
            groups = sorted((g for g in self.groups.values() if g.region == region), key=lambda g: g.name)
        if prefix is not None:
            groups = [g for g in groups if g.name.startswith(prefix)]
        if pattern is not None:
            groups = [g for g in groups if pattern in g.name]
        if idents:
            wanted = {i.split(":log-group:", 1)[-1].rstrip("*").rstrip(":") if i.startswith("arn:") else i
                      for i in idents}
            groups = [g for g in groups if g.name in wanted]
        offset = 0
        fingerprint = hashlib.sha256(json.dumps([prefix, pattern, idents, region]).encode()).hexdigest()[:16]
        if params.get("nextToken") is not None:
            state = self.read_token(params["nextToken"], "dlg")
            if state is None or state["f"] != fingerprint:
                raise bad_param("The specified nextToken is invalid.")
            offset = state["o"]
        page = groups[offset:offset + limit]
        out = {"logGroups": []}
        for g in page:
            item = {"logGroupName": g.name, "creationTime": g.creation_time}
            if g.retention_days:
                item["retentionInDays"] = g.retention_days
            item.update({"metricFilterCount": 0, "arn": g.arn() + ":*", "storedBytes": g.stored_bytes,
                         "logGroupClass": "STANDARD", "logGroupArn": g.arn()})
            out["logGroups"].append(item)
        if offset + limit < len(groups):
            out["nextToken"] = self.make_token({"t": "dlg", "o": offset + limit, "f": fingerprint})
        return out

    def op_StartQuery(self, params, principal, region, ctx):
        query_string = params.get("queryString")
        if not isinstance(query_string, str) or not query_string:
            raise bad_param("queryString is required")
        start = self._int_param(params, "startTime", lo=0)
        end = self._int_param(params, "endTime", lo=0)
        if start is None or end is None:
            raise bad_param("startTime and endTime are required")
        if end < start:
            raise bad_param("End time should not be before the start time")
        limit = self._int_param(params, "limit", 1, 10000, 10000)
        sources = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if params.get(k)]
        if len(sources) != 1:
            raise bad_param("Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.")
        idents = params[sources[0]]
        if isinstance(idents, str):
            idents = [idents]
        if not isinstance(idents, list) or not 1 <= len(idents) <= 50:
            raise bad_param("Between 1 and 50 log groups can be queried")
        groups = [self._visible_group(i, region, for_query=True) for i in idents]
        try:
            commands = compile_query(query_string)
        except QueryError as qe:
            raise ApiError(400, "MalformedQueryException", qe.message,
                           {"queryCompileError": {"location": {"startCharOffset": qe.start,
                                                               "endCharOffset": qe.end},
                                                  "message": qe.message}}) from qe
        lo_ms, hi_ms = start * 1000, end * 1000 + 999
        rows, scanned_bytes = [], 0
        for g in groups:
            i0 = bisect.bisect_left(g.timestamps, lo_ms)
            i1 = bisect.bisect_right(g.timestamps, hi_ms)
            for idx in range(i0, i1):
                ts, ingest, message, _eid = g.events[idx]
                row = dict(g.flat_fields(idx))
                row.update({"@timestamp": ts, "@ingestionTime": ingest, "@message": message,
                            "@logStream": BEDROCK_STREAM, "@log": f"{g.account}:{g.name}",
                            "@ptr": b64url(f"{g.name}|{g.generation}|{idx}".encode())})
                rows.append(row)
                scanned_bytes += len(message.encode("utf-8"))
        if len(groups) > 1:
            rows.sort(key=lambda r: r["@timestamp"])
        results, matched = run_query(commands, rows, limit)
        statistics = {"recordsMatched": float(matched), "recordsScanned": float(len(rows)),
                      "estimatedRecordsSkipped": 0.0, "bytesScanned": float(scanned_bytes),
                      "estimatedBytesSkipped": 0.0, "logGroupsScanned": float(len(groups))}
        with self.lock:
            now = time.monotonic()
            running = sum(1 for q in self.queries.values() if q.status(now) in ("Scheduled", "Running"))
            cap = int(self.config.get("max_concurrent_queries") or 30)
            if running >= cap:
                raise ApiError(400, "LimitExceededException",
                               f"Account maximum query concurrency limit of [{cap}] reached.")
            query_id = str(uuid.uuid4())
            delay = float(self.config.get("query_delay_ms") or 0) / 1000.0
            self.queries[query_id] = Query(query_id, now, delay, results, statistics, [g.name for g in groups])
        return {"queryId": query_id}

    def _query(self, params):
        query_id = params.get("queryId")
        if not isinstance(query_id, str) or not query_id:
            raise bad_param("queryId is required")
        with self.lock:
            q = self.queries.get(query_id)
        if q is None:
            raise ApiError(400, "ResourceNotFoundException", "Query does not exist.")
        return q

    def op_GetQueryResults(self, params, principal, region, ctx):
        q = self._query(params)
        status = q.status(time.monotonic())
        if status == "Complete":
            return {"queryLanguage": "CWLI", "results": q.results, "statistics": q.statistics, "status": status}
        zero = {k: 0.0 for k in q.statistics}
        return {"queryLanguage": "CWLI", "results": [], "statistics": zero, "status": status}

    def op_StopQuery(self, params, principal, region, ctx):
        q = self._query(params)
        with self.lock:
            if q.status(time.monotonic()) in ("Scheduled", "Running"):
                q.cancelled = True
                return {"success": True}
        return {"success": False}

    # ---- Cost Explorer
    CE_DIMENSIONS = {"AZ", "INSTANCE_TYPE", "LINKED_ACCOUNT", "LINKED_ACCOUNT_NAME", "OPERATION", "PURCHASE_TYPE",
                     "REGION", "SERVICE", "SERVICE_CODE", "USAGE_TYPE", "USAGE_TYPE_GROUP", "RECORD_TYPE",
                     "OPERATING_SYSTEM", "TENANCY", "SCOPE", "PLATFORM", "SUBSCRIPTION_ID", "LEGAL_ENTITY_NAME",
                     "DEPLOYMENT_OPTION", "DATABASE_ENGINE", "CACHE_ENGINE", "INSTANCE_TYPE_FAMILY",
                     "BILLING_ENTITY", "RESERVATION_ID", "RESOURCE_ID", "RIGHTSIZING_TYPE", "SAVINGS_PLANS_TYPE",
                     "SAVINGS_PLAN_ARN", "PAYMENT_OPTION", "INVOICING_ENTITY"}
    CE_GROUP_DIMENSIONS = {"AZ", "INSTANCE_TYPE", "LEGAL_ENTITY_NAME", "INVOICING_ENTITY", "LINKED_ACCOUNT",
                           "OPERATION", "PLATFORM", "PURCHASE_TYPE", "SERVICE", "TENANCY", "RECORD_TYPE",
                           "USAGE_TYPE", "REGION"}
    CE_METRICS = {"amortizedcost": "cost", "blendedcost": "cost", "netamortizedcost": "cost",
                  "netunblendedcost": "cost", "unblendedcost": "cost", "usagequantity": "quantity",
                  "normalizedusageamount": "normalized"}

    @staticmethod
    def _ce_date(value, what):
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ce_validation(f"{what} date is invalid: '{value}'. Valid format is yyyy-MM-dd")

    def _ce_period(self, params):
        tp = params.get("TimePeriod")
        if not isinstance(tp, dict) or "Start" not in tp or "End" not in tp:
            raise ce_validation("TimePeriod with Start and End is required")
        start, end = self._ce_date(tp["Start"], "Start"), self._ce_date(tp["End"], "End")
        if start >= end:
            raise ce_validation("Start date (and hour) should be before end date (and hour)")
        return start, end

    def _ce_match(self, expr, row):
        if not isinstance(expr, dict):
            raise ce_validation("Expression must be an object")
        keys = [k for k in ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories") if expr.get(k) is not None]
        if len(keys) != 1:
            raise ce_validation("Expression must have exactly one of And, Or, Not, Dimensions, Tags, CostCategories")
        k = keys[0]
        v = expr[k]
        if k == "And":
            return all([self._ce_match(e, row) for e in v])
        if k == "Or":
            return any([self._ce_match(e, row) for e in v])
        if k == "Not":
            return not self._ce_match(v, row)
        key = v.get("Key")
        values = v.get("Values") or []
        options = v.get("MatchOptions") or ["EQUALS"]
        if k == "Dimensions":
            if key not in self.CE_DIMENSIONS:
                raise ce_validation(f"Dimension {key} is not allowed. Allowed dimension(s): "
                                    + ", ".join(sorted(self.CE_DIMENSIONS)))
            actual = self._ce_dim(row, key)
        elif k == "Tags":
            actual = row["tags"].get(key)
        else:
            actual = row["cost_categories"].get(key)
        if "ABSENT" in options:
            return actual is None or actual == ""
        if actual is None:
            return False
        insensitive = "CASE_INSENSITIVE" in options
        a = actual.lower() if insensitive else actual
        vals = [x.lower() if insensitive else x for x in values]
        if "STARTS_WITH" in options:
            return any(a.startswith(x) for x in vals)
        if "ENDS_WITH" in options:
            return any(a.endswith(x) for x in vals)
        if "CONTAINS" in options:
            return any(x in a for x in vals)
        return a in vals

    @staticmethod
    def _ce_dim(row, key):
        v = row.get(key.lower())
        return None if v is None else str(v)

    def _ce_validate(self, expr):
        """Expression shape errors are reported even when no row would be tested."""
        if not isinstance(expr, dict):
            raise ce_validation("Expression must be an object")
        keys = [k for k in ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories") if expr.get(k) is not None]
        if len(keys) != 1:
            raise ce_validation("Expression must have exactly one of And, Or, Not, Dimensions, Tags, CostCategories")
        k, v = keys[0], expr[keys[0]]
        if k in ("And", "Or"):
            if not isinstance(v, list) or not v:
                raise ce_validation(f"{k} needs a list of expressions")
            for e in v:
                self._ce_validate(e)
        elif k == "Not":
            self._ce_validate(v)
        else:
            if not isinstance(v, dict) or not isinstance(v.get("Key"), str):
                raise ce_validation(f"{k} needs a Key")
            if k == "Dimensions" and v["Key"] not in self.CE_DIMENSIONS:
                raise ce_validation(f"Dimension {v['Key']} is not allowed. Allowed dimension(s): "
                                    + ", ".join(sorted(self.CE_DIMENSIONS)))
            if not isinstance(v.get("Values", []), list):
                raise ce_validation("Values must be a list")

    def _ce_rows(self, start, end, filt):
        if filt is not None:
            self._ce_validate(filt)
        with self.lock:
            rows = list(self.cost_rows)
        out = [r for r in rows if start <= r["date"] < end]
        if filt is not None:
            out = [r for r in out if self._ce_match(filt, r)]
        return out

    @staticmethod
    def _amount(d):
        if d == 0:
            return "0"
        text = format(d.normalize(), "f")
        return text

    def _estimated(self, period_end):
        days = int(self.config.get("estimated_days") or 0)
        today = datetime.datetime.fromtimestamp(self.now(), datetime.timezone.utc).date()
        return period_end > today - datetime.timedelta(days=days)

    def op_GetCostAndUsage(self, params, principal, region, ctx):
        start, end = self._ce_period(params)
        granularity = params.get("Granularity")
        if granularity not in ("DAILY", "MONTHLY", "HOURLY"):
            raise ce_validation("Granularity must be DAILY, MONTHLY or HOURLY")
        if granularity == "HOURLY":
            raise ce_validation("Hourly granularity is not enabled for this account (double)")
        metrics = params.get("Metrics")
        if not isinstance(metrics, list) or not metrics:
            raise ce_validation("Metrics is required")
        for m in metrics:
            if str(m).lower() not in self.CE_METRICS:
                raise ce_validation(f"Metric {m} is not supported. Supported metrics: AmortizedCost, BlendedCost, "
                                    "NetAmortizedCost, NetUnblendedCost, NormalizedUsageAmount, UnblendedCost, "
                                    "UsageQuantity")
        group_by = params.get("GroupBy") or []
        if len(group_by) > 2:
            raise ce_validation("Max number of group by allowed is 2")
        for g in group_by:
            if g.get("Type") not in ("DIMENSION", "TAG", "COST_CATEGORY"):
                raise ce_validation(f"Group by type {g.get('Type')} is not valid")
            if g.get("Type") == "DIMENSION" and g.get("Key") not in self.CE_GROUP_DIMENSIONS:
                raise ce_validation("Group Definition dimension is invalid. Valid values are "
                                    + ", ".join(sorted(self.CE_GROUP_DIMENSIONS)))
        rows = self._ce_rows(start, end, params.get("Filter"))
        periods = []
        cur = start
        while cur < end:
            if granularity == "DAILY":
                nxt = cur + datetime.timedelta(days=1)
            else:
                nxt = (cur.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
            nxt = min(nxt, end)
            periods.append((cur, nxt))
            cur = nxt

        def group_key(r):
            keys = []
            for g in group_by:
                if g["Type"] == "DIMENSION":
                    keys.append(self._ce_dim(r, g["Key"]) or "")
                elif g["Type"] == "TAG":
                    keys.append(f"{g['Key']}${r['tags'].get(g['Key'], '')}")
                else:
                    keys.append(f"{g['Key']}${r['cost_categories'].get(g['Key'], '')}")
            return tuple(keys)

        def metrics_of(selected):
            out = {}
            for m in metrics:
                kind = self.CE_METRICS[str(m).lower()]
                if kind == "cost":
                    out[m] = {"Amount": self._amount(sum((r["cost"] for r in selected), decimal.Decimal(0))),
                              "Unit": "USD"}
                elif kind == "quantity":
                    units = {r["unit"] for r in selected}
                    out[m] = {"Amount": self._amount(sum((r["quantity"] for r in selected), decimal.Decimal(0))),
                              "Unit": units.pop() if len(units) == 1 else "N/A"}
                else:
                    out[m] = {"Amount": "0", "Unit": "N/A"}
            return out

        items = []  # (period index, group keys | None)
        per_period = []
        for pi, (p0, p1) in enumerate(periods):
            in_period = [r for r in rows if p0 <= r["date"] < p1]
            if group_by:
                buckets = collections.defaultdict(list)
                for r in in_period:
                    buckets[group_key(r)].append(r)
                per_period.append(buckets)
                if buckets:
                    items.extend((pi, k) for k in sorted(buckets))
                else:
                    items.append((pi, None))
            else:
                per_period.append(in_period)
                items.append((pi, None))
        fingerprint = hashlib.sha256(json.dumps({k: v for k, v in params.items() if k != "NextPageToken"},
                                                sort_keys=True).encode()).hexdigest()[:16]
        offset = 0
        if params.get("NextPageToken") is not None:
            state = self.read_token(params["NextPageToken"], "ce")
            if state is None:
                raise ApiError(400, "InvalidNextTokenException", "The token is invalid.")
            if state["f"] != fingerprint:
                raise ApiError(400, "RequestChangedException",
                               "The request changed since the NextPageToken was issued.")
            offset = state["o"]
        with self.lock:
            page_size = int(self.config.get("ce_page_size") or 0)
        page = items[offset:offset + page_size] if page_size else items[offset:]
        results = []
        for pi, key in page:
            p0, p1 = periods[pi]
            if not results or results[-1]["_pi"] != pi:
                entry = {"_pi": pi, "TimePeriod": {"Start": p0.isoformat(), "End": p1.isoformat()},
                         "Total": {}, "Groups": [], "Estimated": self._estimated(p1)}
                if not group_by:
                    entry["Total"] = metrics_of(per_period[pi])
                results.append(entry)
            if group_by and key is not None:
                results[-1]["Groups"].append({"Keys": list(key), "Metrics": metrics_of(per_period[pi][key])})
        for r in results:
            del r["_pi"]
        out = {}
        if group_by:
            out["GroupDefinitions"] = [{"Type": g["Type"], "Key": g["Key"]} for g in group_by]
        out["ResultsByTime"] = results
        out["DimensionValueAttributes"] = []
        if page_size and offset + page_size < len(items):
            out["NextPageToken"] = self.make_token({"t": "ce", "o": offset + page_size, "f": fingerprint})
        return out

    def op_GetDimensionValues(self, params, principal, region, ctx):
        start, end = self._ce_period(params)
        dim = params.get("Dimension")
        if dim not in self.CE_DIMENSIONS:
            raise ce_validation(f"Dimension {dim} is not allowed")
        rows = self._ce_rows(start, end, params.get("Filter"))
        values = sorted({self._ce_dim(r, dim) for r in rows} - {None, ""})
        search = params.get("SearchString")
        if search:
            values = [v for v in values if search.lower() in v.lower()]
        max_results = params.get("MaxResults") or 1000
        fingerprint = hashlib.sha256(json.dumps({k: v for k, v in params.items() if k != "NextPageToken"},
                                                sort_keys=True).encode()).hexdigest()[:16]
        offset = 0
        if params.get("NextPageToken") is not None:
            state = self.read_token(params["NextPageToken"], "cedv")
            if state is None or state["f"] != fingerprint:
                raise ApiError(400, "InvalidNextTokenException", "The token is invalid.")
            offset = state["o"]
        page = values[offset:offset + max_results]
        out = {"DimensionValues": [{"Value": v, "Attributes": {}} for v in page],
               "ReturnSize": len(page), "TotalSize": len(values)}
        if offset + max_results < len(values):
            out["NextPageToken"] = self.make_token({"t": "cedv", "o": offset + max_results, "f": fingerprint})
        return out

    # ---- STS
    _ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")

    def _sts_validate_common(self, params, action):
        role_arn = params.get("RoleArn")
        session = params.get("RoleSessionName")
        if not role_arn:
            raise ApiError(400, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to "
                                                   "satisfy constraint: Member must not be null")
        if not session:
            raise ApiError(400, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' "
                                                   "failed to satisfy constraint: Member must not be null")
        m = self._ROLE_ARN_RE.match(role_arn)
        if not m:
            raise ApiError(400, "ValidationError", f"{role_arn} is invalid")
        if not re.match(r"^[\w+=,.@-]{2,64}$", session):
            raise ApiError(400, "ValidationError",
                           f"1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy "
                           f"constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        duration = params.get("DurationSeconds", "3600")
        try:
            duration = int(duration)
        except ValueError:
            raise ApiError(400, "ValidationError", "DurationSeconds must be an integer")
        if not 900 <= duration <= 43200:
            raise ApiError(400, "ValidationError",
                           f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
                           f"constraint: Member must have value {'greater' if duration < 900 else 'less'} than or "
                           f"equal to {900 if duration < 900 else 43200}")
        with self.lock:
            rule = self.config["roles"].get(role_arn)
            override = self.config.get("session_duration_s")
        return role_arn, m.group(2), session, duration if override is None else float(override), rule

    def _issue_session(self, role_arn, role_name, session, duration, account):
        akid = random_id("ASIA", 16)
        secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
        token = base64.b64encode(secrets.token_bytes(160)).decode()
        arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}"
        expiration = self.now() + duration
        p = Principal(akid, secret, account, arn, token=token, expiration=expiration, role_arn=role_arn,
                      session_name=session)
        with self.lock:
            self.principals[akid] = p
        return p

    def _credentials_xml(self, p):
        return (f"    <Credentials>\n      <AccessKeyId>{p.akid}</AccessKeyId>\n"
                f"      <SecretAccessKey>{xml_escape(p.secret)}</SecretAccessKey>\n"
                f"      <SessionToken>{xml_escape(p.token)}</SessionToken>\n"
                f"      <Expiration>{iso_z(p.expiration)}</Expiration>\n    </Credentials>\n"
                f"    <AssumedRoleUser>\n      <AssumedRoleId>{xml_escape(p.user_id())}</AssumedRoleId>\n"
                f"      <Arn>{xml_escape(p.arn)}</Arn>\n    </AssumedRoleUser>\n")

    def op_AssumeRole(self, params, principal, region, ctx):
        role_arn, role_name, session, duration, rule = self._sts_validate_common(params, "AssumeRole")
        external = rule.get("external_id") if isinstance(rule, dict) else None
        if rule is None or (external is not None and params.get("ExternalId") != external):
            raise ApiError(403, "AccessDenied", f"User: {principal.arn} is not authorized to perform: "
                                                f"sts:AssumeRole on resource: {role_arn}")
        account = rule.get("account") if isinstance(rule, dict) else rule
        account = account or role_arn.split(":")[4]
        p = self._issue_session(role_arn, role_name, session, duration, account)
        return (f'<AssumeRoleResponse xmlns="{STS_NS}">\n  <AssumeRoleResult>\n' + self._credentials_xml(p)
                + f"  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{ctx['request_id']}</RequestId>\n"
                  f"  </ResponseMetadata>\n</AssumeRoleResponse>\n")

    def op_AssumeRoleWithWebIdentity(self, params, principal, region, ctx):
        role_arn, role_name, session, duration, rule = self._sts_validate_common(params, "AssumeRoleWithWebIdentity")
        token = params.get("WebIdentityToken") or ""
        with self.lock:
            accepted = list(self.config.get("web_identity_tokens") or [])
        if len(token) < 4 or (accepted and token not in accepted):
            raise ApiError(400, "InvalidIdentityToken",
                           "The web identity token that was passed could not be validated by AWS. Get a new identity "
                           "token from the identity provider and then retry the request.")
        if rule is None:
            raise ApiError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        claims = {}
        parts = token.split(".")
        if len(parts) == 3:
            try:
                claims = json.loads(b64url_decode(parts[1]))
            except (ValueError, TypeError):
                claims = {}
        account = (rule.get("account") if isinstance(rule, dict) else rule) or role_arn.split(":")[4]
        p = self._issue_session(role_arn, role_name, session, duration, account)
        aud = claims.get("aud", "sts.amazonaws.com")
        if isinstance(aud, list):
            aud = aud[0] if aud else ""
        return (f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_NS}">\n  <AssumeRoleWithWebIdentityResult>\n'
                f"    <SubjectFromWebIdentityToken>{xml_escape(str(claims.get('sub', 'subject')))}"
                f"</SubjectFromWebIdentityToken>\n    <Audience>{xml_escape(str(aud))}</Audience>\n"
                + self._credentials_xml(p)
                + f"    <Provider>{xml_escape(str(claims.get('iss', 'double.local')))}</Provider>\n"
                  f"  </AssumeRoleWithWebIdentityResult>\n  <ResponseMetadata>\n"
                  f"    <RequestId>{ctx['request_id']}</RequestId>\n  </ResponseMetadata>\n"
                  f"</AssumeRoleWithWebIdentityResponse>\n")

    def op_GetCallerIdentity(self, params, principal, region, ctx):
        return (f'<GetCallerIdentityResponse xmlns="{STS_NS}">\n  <GetCallerIdentityResult>\n'
                f"    <Arn>{xml_escape(principal.arn)}</Arn>\n    <UserId>{xml_escape(principal.user_id())}</UserId>\n"
                f"    <Account>{principal.account}</Account>\n  </GetCallerIdentityResult>\n"
                f"  <ResponseMetadata>\n    <RequestId>{ctx['request_id']}</RequestId>\n  </ResponseMetadata>\n"
                f"</GetCallerIdentityResponse>\n")

    # ---- instance and container credential endpoints (IMDSv2, ECS/EKS style)
    IMDS_ROLE = "imds-role"
    CONTAINER_ROLE = "container-role"
    CONTAINER_TOKEN = "container-secret-token"

    def _session_json(self, role_name):
        with self.lock:
            override = self.config.get("session_duration_s")
        duration = 3600 if override is None else float(override)
        p = self._issue_session(f"arn:aws:iam::{self.account}:role/{role_name}", role_name, "i-0123456789abcdef0",
                                duration, self.account)
        return {"AccessKeyId": p.akid, "SecretAccessKey": p.secret, "Token": p.token,
                "Expiration": iso_z(p.expiration), "RoleArn": p.role_arn}

    def credentials_endpoint(self, method, path, headers):
        """IMDSv2 (/latest/...) and a container credentials endpoint
        (/container-credentials). Returns (status, content-type, body)."""
        with self.lock:
            self.stats.setdefault("credential_endpoints", {})
            self.stats["credential_endpoints"][path] = self.stats["credential_endpoints"].get(path, 0) + 1
        if path == "/container-credentials":
            if method != "GET" or headers.get("Authorization") != self.CONTAINER_TOKEN:
                return 401, "application/json", b'{"message":"invalid authorization token"}'
            return 200, "application/json", json.dumps(self._session_json(self.CONTAINER_ROLE)).encode()
        if path == "/latest/api/token":
            ttl = headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if method != "PUT" or not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return 400, "text/plain", b"Bad Request\n"
            token = base64.b64encode(secrets.token_bytes(32)).decode()
            with self.lock:
                self.imds_tokens = getattr(self, "imds_tokens", set()) | {token}
            return 200, "text/plain", token.encode()
        with self.lock:
            valid = headers.get("X-aws-ec2-metadata-token") in getattr(self, "imds_tokens", set())
        if not valid:  # IMDSv2 only: v1 requests are refused
            return 401, "text/plain", b"Unauthorized\n"
        base = "/latest/meta-data/iam/security-credentials/"
        if method == "GET" and path == base:
            return 200, "text/plain", self.IMDS_ROLE.encode()
        if method == "GET" and path == base + self.IMDS_ROLE:
            creds = self._session_json(self.IMDS_ROLE)
            creds.pop("RoleArn")
            creds.update({"Code": "Success", "LastUpdated": iso_z(self.now()), "Type": "AWS-HMAC"})
            return 200, "text/plain", json.dumps(creds, indent=2).encode()
        return 404, "text/plain", b"Not Found\n"

    # ---- control API
    def control(self, method, path, body):
        """Returns (status, json-able)."""
        with self.lock:
            self.stats["control_requests"] += 1
        if path == "/_double/health":
            return 200, {"ok": True}
        if path == "/_double/stats" and method == "GET":
            return 200, self.stats_snapshot()
        if path == "/_double/reset-stats" and method == "POST":
            self.reset_stats()
            return 200, {"ok": True}
        if path == "/_double/config":
            if method == "GET":
                with self.lock:
                    return 200, json.loads(json.dumps(self.config))
            if method == "POST":
                return 200, self.update_config(json.loads(body or b"{}"))
        if path == "/_double/sessions" and method == "GET":
            with self.lock:
                return 200, [{"akid": p.akid, "arn": p.arn, "account": p.account, "role_arn": p.role_arn,
                              "expiration": iso_z(p.expiration)} for p in self.principals.values() if p.token]
        if path == "/_double/log-group" and method == "POST":
            spec = json.loads(body or b"{}")
            lines = list(spec.get("lines") or [])
            lines += [json.dumps(r) for r in spec.get("records") or []]
            group = LogGroup(spec["name"], spec.get("region") or self.region, lines, self.account,
                             spec.get("default_timestamp"), spec.get("retention_days"))
            self.set_group(group)
            return 200, {"ok": True, "events": len(group.events)}
        if path == "/_double/cost-data" and method == "POST":
            spec = json.loads(body or b"[]")
            rows = load_cost_rows(spec.get("rows", []) if isinstance(spec, dict) else spec, self.account)
            with self.lock:
                self.cost_rows = rows
            return 200, {"ok": True, "rows": len(rows)}
        return 404, {"error": f"no control endpoint {method} {path}"}


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-double/1"

    def version_string(self):
        return self.server_version
    double = None  # set on the subclass built in main()
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("aws_double: " + (fmt % args) + "\n")

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _send(self, status, ctype, body, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        request_id = str(uuid.uuid4())
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(413, "text/plain", b"request body unreadable or too large\n")
            return
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        if path.startswith("/_double/"):
            if self.client_address[0] not in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
                self._send(403, "application/json", b'{"error":"loopback only"}')
                return
            try:
                status, payload = self.double.control(self.command, path, body)
            except (ValueError, KeyError, TypeError) as exc:
                status, payload = 400, {"error": str(exc)}
            self._send(status, "application/json", json.dumps(payload, indent=1).encode())
            return
        if path.startswith("/latest/") or path == "/container-credentials":
            status, ctype, payload = self.double.credentials_endpoint(self.command, path, self.headers)
            self._send(status, ctype, payload)
            return
        target = self.headers.get("X-Amz-Target")
        ctx = {"method": self.command, "raw_path": self.path, "query": split.query, "headers": self.headers,
               "body": body, "request_id": request_id}
        if target:
            prefix, _, op = target.partition(".")
            service = JSON_TARGETS.get(prefix)
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if service is None or self.command != "POST":
                self._send(400, JSON_CT, json.dumps({"__type": "UnknownOperationException"}).encode(),
                           {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": "UnknownOperationException"})
                return
            ctx.update(service=service, op=op, protocol="json")
            try:
                if ctype != JSON_CT:
                    raise ValueError(f"unsupported Content-Type '{ctype}' (expected {JSON_CT})")
                params = json.loads(body.decode("utf-8")) if body.strip() else {}
                if not isinstance(params, dict):
                    raise ValueError("request body must be a JSON object")
            except (ValueError, UnicodeDecodeError) as exc:
                msg = json.dumps({"__type": "SerializationException", "message": str(exc)}).encode()
                self._send(400, JSON_CT, msg, {"x-amzn-RequestId": request_id,
                                               "x-amzn-ErrorType": "SerializationException"})
                return
            ctx["params"] = params
        else:
            form = {}
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if self.command == "POST" and ctype == "application/x-www-form-urlencoded":
                form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            elif split.query:
                form = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
            action = form.get("Action")
            if not action:
                self._send(404, "text/plain", b"aws_double: unknown route (no X-Amz-Target, no Action)\n",
                           {"x-amzn-RequestId": request_id})
                return
            ctx.update(service="sts", op=action, protocol="query", params=form)
        status, ctype, payload = self.double.handle_aws(ctx)
        extra = {"x-amzn-RequestId": request_id}
        if status >= 400 and ctx.get("error_type_header"):
            extra["x-amzn-ErrorType"] = ctx["error_type_header"]
        self._send(status, ctype, payload, extra)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128


def _op_kv(values, cast=int):
    out = {}
    for item in values or []:
        k, sep, v = item.rpartition("=")
        if not sep:
            raise SystemExit(f"aws_double: expected OP=VALUE, got '{item}'")
        out[k] = cast(v)
    return out


def build_arg_parser():
    ap = argparse.ArgumentParser(description="Loopback AWS protocol double (Logs, Insights, Cost Explorer, STS)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--region", default="us-east-1", help="region of all log groups")
    ap.add_argument("--account", default=DEFAULT_ACCOUNT)
    ap.add_argument("--credentials", action="append", metavar="AKID:SECRET[:ACCOUNT[:ARN]]")
    ap.add_argument("--log-group", action="append", default=[], metavar="NAME=PATH",
                    help="JSON-lines (optionally gzipped) Bedrock invocation log; empty PATH = empty group")
    ap.add_argument("--default-timestamp", type=int, help="ms for leading lines without a timestamp")
    ap.add_argument("--retention-days", type=int)
    ap.add_argument("--cost-data", help="JSON list of {date, service, usage_type, cost, quantity, unit, ...}")
    ap.add_argument("--role", action="append", default=[], metavar="ROLE_ARN[=ACCOUNT]")
    ap.add_argument("--deny", action="append", default=[], metavar="AKID_OR_ARN=OP[,OP]")
    ap.add_argument("--throttle", action="append", metavar="OP=RATE")
    ap.add_argument("--throttle-next", action="append", metavar="OP=N")
    ap.add_argument("--fail-next-5xx", action="append", metavar="OP=N")
    ap.add_argument("--latency-ms", action="append", metavar="OP=MS")
    ap.add_argument("--page-events", type=int)
    ap.add_argument("--max-page-bytes", type=int, help="FilterLogEvents page byte cap (default 1 MB, as AWS)")
    ap.add_argument("--empty-pages", type=int)
    ap.add_argument("--empty-pages-every", type=int)
    ap.add_argument("--trailing-empty-page", action="store_true")
    ap.add_argument("--query-delay-ms", type=int)
    ap.add_argument("--max-concurrent-queries", type=int)
    ap.add_argument("--session-duration-s", type=float)
    ap.add_argument("--ce-page-size", type=int)
    ap.add_argument("--estimated-days", type=int)
    ap.add_argument("--config-json", help="JSON object (or @file) applied like POST /_double/config")
    ap.add_argument("--stats-file", help="write the final stats JSON here on exit")
    ap.add_argument("--verbose", action="store_true")
    return ap


def main(argv=None):
    args = build_arg_parser().parse_args(argv)
    double = Double(args.account, args.region)
    for spec in args.credentials or [f"{DEFAULT_AKID}:{DEFAULT_SECRET}"]:
        parts = spec.split(":", 3)
        if len(parts) < 2:
            raise SystemExit(f"aws_double: bad --credentials '{spec}'")
        double.add_credentials(parts[0], parts[1], parts[2] if len(parts) > 2 else None,
                               parts[3] if len(parts) > 3 else None)
    for spec in args.log_group:
        name, _, path = spec.partition("=")
        lines = read_lines(path) if path else []
        double.set_group(LogGroup(name, args.region, lines, args.account, args.default_timestamp,
                                  args.retention_days))
    if args.cost_data:
        with open(args.cost_data, encoding="utf-8") as fh:
            data = json.load(fh)
        double.cost_rows = load_cost_rows(data.get("rows", []) if isinstance(data, dict) else data, args.account)
    patch = {}
    roles = {}
    for spec in args.role:
        m = re.match(r"^(.*)=(\d{12})$", spec)
        roles[m.group(1) if m else spec] = m.group(2) if m else spec.split(":")[4]
    if roles:
        patch["roles"] = roles
    deny = {}
    for spec in args.deny:
        k, _, ops = spec.rpartition("=")
        deny.setdefault(k, []).extend(o for o in ops.split(",") if o)
    if deny:
        patch["deny"] = deny
    for key, values, cast in (("throttle", args.throttle, float), ("throttle_next", args.throttle_next, int),
                              ("fail_next_5xx", args.fail_next_5xx, int), ("latency_ms", args.latency_ms, float)):
        if values:
            patch[key] = _op_kv(values, cast)
    for key in ("page_events", "max_page_bytes", "empty_pages", "empty_pages_every", "query_delay_ms",
                "max_concurrent_queries", "session_duration_s", "ce_page_size", "estimated_days"):
        value = getattr(args, key)
        if value is not None:
            patch[key] = value
    if args.trailing_empty_page:
        patch["trailing_empty_page"] = True
    double.update_config(patch)
    if args.config_json:
        text = args.config_json
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as fh:
                text = fh.read()
        double.update_config(json.loads(text))

    handler = type("BoundHandler", (Handler,), {"double": double, "verbose": args.verbose})
    server = Server(("127.0.0.1", args.port), handler)
    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    sys.stdout.write(f"READY {server.server_address[1]}\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if args.stats_file:
        with open(args.stats_file, "w", encoding="utf-8") as fh:
            json.dump(double.stats_snapshot(), fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
