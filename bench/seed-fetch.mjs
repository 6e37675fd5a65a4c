// The seed's CloudWatch fetch loop in Node, for bench/usage_fanout.py: what
// get_bedrock_usage_report did in aarora79/streamable-mcp-serverless
// (server.ts getBedrockLogs, HEAD 927793e; seed-inventory §1.3), then the
// seed's aggregation from seed-aggregate.mjs.
//
// The seed used @aws-sdk/client-cloudwatch-logs 3.787.0; the SDK is not
// installed here, so its parts on this path are re-done by hand:
//   * one FilterLogEventsCommand per page, strictly sequential, with
//     {logGroupName, startTime, endTime, nextToken} until nextToken is absent
//     (no limit, no filterPattern);
//   * a SigV4-signed POST (node:crypto), Content-Type
//     application/x-amz-json-1.1, X-Amz-Target Logs_20140328.FilterLogEvents,
//     over a keep-alive http.Agent (the SDK's NodeHttpHandler default);
//   * the body collected, decoded as UTF-8 and `JSON.parse`d whole, as the
//     SDK's JSON protocol deserializer does; then the seed's
//     `JSON.parse(event.message)` per event;
//   * errors from `__type` / x-amzn-ErrorType; retries as the SDK's default
//     "standard" mode (@smithy/util-retry): 3 attempts, full-jitter
//     exponential backoff floor(min(20 s, random() * 2^retries * base)) with
//     base 500 ms for throttling errors (ThrottlingException, 429) and 100 ms
//     for transient ones (5xx), a retry quota of 500 (5 per retry, 10 per
//     timeout); a page still throttled after 3 attempts fails the report, as
//     in the seed ("Failed to retrieve Bedrock logs: Rate exceeded").
//
// usage: node bench/seed-fetch.mjs --endpoint http://127.0.0.1:PORT --region us-east-1
//          --log-group NAME --start-ms MS --end-ms MS      (both inclusive, as the API)
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN].
// Prints one JSON line: seconds, pages, requests, throttled, retries, events,
// bytes, totals.
import crypto from 'node:crypto';
import http from 'node:http';

import { buildReport, toLogEntry } from './seed-aggregate.mjs';

const kMaxAttempts = 3;
const kThrottlingBaseMs = 500;
const kTransientBaseMs = 100;
const kMaxDelayMs = 20_000;
const kThrottlingCodes = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'TransactionInProgressException', 'RequestLimitExceeded',
  'BandwidthLimitExceeded', 'LimitExceededException', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['endpoint', 'region', 'log-group', 'start-ms', 'end-ms']) {
    if (out[k] === undefined) throw new Error(`--${k} is required`);
  }
  return out;
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// SigV4 headers for a JSON-protocol POST to `/`.
function signedHeaders(host, region, target, body, creds) {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  if (creds.token) headers['x-amz-security-token'] = creds.token;
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), sha256(body)]
    .join('\n');
  const scope = `${day}/${region}/logs/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secret}`, day), region), 'logs'), 'aws4_request');
  const signature = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${creds.akid}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

function post(url, agent, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
    req.on('error', reject);
    req.end(body);
  });
}

class ServiceError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = code;
    this.status = status;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const creds = {
    akid: process.env.AWS_ACCESS_KEY_ID,
    secret: process.env.AWS_SECRET_ACCESS_KEY,
    token: process.env.AWS_SESSION_TOKEN,
  };
  if (!creds.akid || !creds.secret) throw new Error('AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set');
  const url = new URL(args.endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const stats = { pages: 0, requests: 0, throttled: 0, retries: 0, retry_delay_ms: 0, events: 0, bytes: 0 };
  let capacity = 500;

  // client.send(new FilterLogEventsCommand(input)) with the standard retry strategy.
  async function send(input) {
    const body = JSON.stringify(input);
    let lastCost = 0;
    for (let retries = 0; ; ++retries) {
      const headers = signedHeaders(url.host, args.region, 'Logs_20140328.FilterLogEvents', body, creds);
      headers['user-agent'] = 'aws-sdk-js/3.787.0 seed-fetch';
      headers['amz-sdk-request'] = `attempt=${retries + 1}; max=${kMaxAttempts}`;
      stats.requests++;
      let error;
      try {
        const res = await post(url, agent, headers, body);
        const text = res.body.toString('utf8');
        if (res.status < 300) {
          stats.bytes += res.body.length;
          capacity = Math.min(500, capacity + (lastCost || 1));
          return JSON.parse(text);
        }
        let code = res.headers['x-amzn-errortype'] || '';
        let message = '';
        try {
          const parsed = JSON.parse(text);
          code = parsed.__type || parsed.code || code;
          message = parsed.message || parsed.Message || '';
        } catch {}
        code = String(code).split(':')[0].split('#').pop();
        error = new ServiceError(code || `Http${res.status}`, message, res.status);
      } catch (e) {
        error = e;  // a connection problem: transient
        error.status = 0;
      }
      const throttling = kThrottlingCodes.has(error.name) || error.status === 429;
      const transient = !throttling && (error.status >= 500 || error.status === 0);
      if (throttling) stats.throttled++;
      const cost = transient && error.status === 0 ? 10 : 5;
      if (!(throttling || transient) || retries + 1 >= kMaxAttempts || capacity < cost) throw error;
      capacity -= cost;
      lastCost = cost;
      const base = throttling ? kThrottlingBaseMs : kTransientBaseMs;
      const delay = Math.floor(Math.min(kMaxDelayMs, Math.random() * 2 ** retries * base));
      stats.retries++;
      stats.retry_delay_ms += delay;
      await sleep(delay);
    }
  }

  const t0 = process.hrtime.bigint();
  const filteredLogs = [];
  let nextToken;
  try {
    do {
      const response = await send({
        logGroupName: args['log-group'],
        startTime: Number(args['start-ms']),
        endTime: Number(args['end-ms']),
        nextToken: nextToken,
      });
      stats.pages++;
      const events = response.events || [];
      for (const event of events) {
        const entry = toLogEntry(event.message);
        if (entry !== undefined) filteredLogs.push(entry);
      }
      stats.events += events.length;
      nextToken = response.nextToken;
    } while (nextToken);
  } catch (error) {
    console.log(JSON.stringify({ error: `Failed to retrieve Bedrock logs: ${error.message || error.name}`, ...stats }));
    process.exit(1);
  }
  const report = buildReport(filteredLogs, 7, args.region);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  console.log(JSON.stringify({ seconds, ...stats, totals: report.totals, report_chars: report.text.length }));
}

main().catch((e) => {
  console.error(`seed-fetch: ${e.message}`);
  process.exit(2);
});
