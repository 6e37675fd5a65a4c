// The seed's Bedrock usage aggregation in Node, for bench/usage_throughput.py
// and bench/seed-fetch.mjs. It re-implements what get_bedrock_usage_report
// did in aarora79/streamable-mcp-serverless (server.ts, HEAD 927793e; see
// seed-inventory §1.3), step by step:
//   * per event `JSON.parse(message)`; a message that is not JSON is skipped
//     with console.warn;
//   * an entry {timestamp, region, modelId, userId = identity?.arn,
//     inputTokens = input?.inputTokenCount ?? 0,
//     completionTokens = output?.outputTokenCount ?? 0, totalTokens} pushed
//     onto one array of every event;
//   * then one pass over that array into plain objects used as maps
//     (dailyStats keyed by `new Date(ts).toISOString().split('T')[0]`,
//     regionSummary by region, modelSummary by the shortened model id,
//     userSummary by identity.arn), and the report text.
//
// As a program: node bench/seed-aggregate.mjs FILE.jsonl
// reads the JSON-lines file in full (fs.readFileSync, then split('\n')),
// treats each non-empty line as one event's message, and prints one JSON
// line: bytes, seconds (read + parse + aggregate + report text), GB/s and the
// totals, so the driver can check that both implementations agree.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

// One FilterLogEvents event message -> the seed's log entry, or undefined
// when the message is not JSON (the seed's catch branch).
export function toLogEntry(text) {
  try {
    const message = JSON.parse(text);
    const inputTokens = message.input?.inputTokenCount ?? 0;
    const outputTokens = message.output?.outputTokenCount ?? 0;
    return {
      timestamp: message.timestamp,
      region: message.region,
      modelId: message.modelId,
      userId: message.identity?.arn,
      inputTokens: inputTokens,
      completionTokens: outputTokens,
      totalTokens: inputTokens + outputTokens,
    };
  } catch (jsonError) {
    console.warn('Skipping non-JSON log message:', text.length > 200 ? text.slice(0, 200) + '...' : text);
    return undefined;
  }
}

function bump(table, key, log) {
  if (!table[key]) table[key] = { requests: 0, input: 0, completion: 0, total: 0 };
  table[key].requests++;
  table[key].input += log.inputTokens || 0;
  table[key].completion += log.completionTokens || 0;
  table[key].total += log.totalTokens || 0;
}

// The seed's aggregation and report text over its array of entries.
export function buildReport(logs, days, region) {
  const dailyStats = {};
  let totalRequests = 0;
  let totalInputTokens = 0;
  let totalCompletionTokens = 0;
  let totalTokens = 0;
  const regionSummary = {};
  const modelSummary = {};
  const userSummary = {};

  logs.forEach((log) => {
    totalRequests++;
    totalInputTokens += log.inputTokens || 0;
    totalCompletionTokens += log.completionTokens || 0;
    totalTokens += log.totalTokens || 0;
    const date = new Date(log.timestamp).toISOString().split('T')[0];
    if (!dailyStats[date]) {
      dailyStats[date] = { regions: {}, models: {}, users: {}, requests: 0, inputTokens: 0, completionTokens: 0, totalTokens: 0 };
    }
    dailyStats[date].requests++;
    dailyStats[date].inputTokens += log.inputTokens || 0;
    dailyStats[date].completionTokens += log.completionTokens || 0;
    dailyStats[date].totalTokens += log.totalTokens || 0;
    bump(regionSummary, log.region, log);
    const simpleModelId = log.modelId?.includes('.') ? log.modelId.split('.').pop() : log.modelId?.split('/').pop() || 'unknown';
    bump(modelSummary, simpleModelId, log);
    if (log.userId) bump(userSummary, log.userId, log);
  });

  const line = (key, s) =>
    `${key}: Requests=${s.requests}, Input=${s.input}, Completion=${s.completion}, Total=${s.total}\n`;
  let output = `Bedrock Daily Usage Report (Past ${days} days - ${region})\n`;
  output += `Total Requests: ${totalRequests}\n`;
  output += `Total Input Tokens: ${totalInputTokens}\n`;
  output += `Total Completion Tokens: ${totalCompletionTokens}\n`;
  output += `Total Tokens: ${totalTokens}\n`;
  output += '\n--- Daily Totals ---\n';
  Object.entries(dailyStats)
    .sort(([a], [b]) => a.localeCompare(b))
    .forEach(([date, s]) => {
      output += `${date}: Requests=${s.requests}, Input=${s.inputTokens}, Completion=${s.completionTokens}, Total=${s.totalTokens}\n`;
    });
  output += '\n--- Region Summary ---\n';
  Object.entries(regionSummary).forEach(([key, s]) => (output += line(key, s)));
  output += '\n--- Model Summary ---\n';
  Object.entries(modelSummary).forEach(([key, s]) => (output += line(key, s)));
  if (Object.keys(userSummary).length > 0) {
    output += '\n--- User Summary ---\n';
    Object.entries(userSummary).forEach(([key, s]) => (output += line(key, s)));
  }
  return {
    text: output.trimEnd(),
    totals: { requests: totalRequests, input: totalInputTokens, output: totalCompletionTokens, total: totalTokens },
    days: Object.keys(dailyStats).length,
    models: Object.keys(modelSummary).length,
    users: Object.keys(userSummary).length,
  };
}

function main(path) {
  const t0 = process.hrtime.bigint();
  const text = fs.readFileSync(path, 'utf8');
  const bytes = fs.statSync(path).size;
  const t1 = process.hrtime.bigint();
  const logs = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;  // the file's last newline
    const entry = toLogEntry(line);
    if (entry !== undefined) logs.push(entry);
  }
  const report = buildReport(logs, 7, 'file');
  const t2 = process.hrtime.bigint();
  const seconds = Number(t2 - t0) / 1e9;
  const parseSeconds = Number(t2 - t1) / 1e9;
  console.log(
    JSON.stringify({
      bytes,
      seconds,
      read_seconds: Number(t1 - t0) / 1e9,
      parse_seconds: parseSeconds,
      gb_per_s: bytes / seconds / 1e9,
      parse_gb_per_s: bytes / parseSeconds / 1e9,
      report_chars: report.text.length,
      totals: report.totals,
      days: report.days,
      models: report.models,
      users: report.users,
      node: process.version,
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  if (process.argv.length !== 3) {
    console.error('usage: node bench/seed-aggregate.mjs FILE.jsonl');
    process.exit(2);
  }
  main(process.argv[2]);
}
