// Interop test: our mcp-client CLI (one-shot mode: `mcp-client --url URL <command>`)
// against real servers:
//
//   - the TypeScript SDK 1.32.2 server (ts-peer-server.mjs) in its three shapes:
//     MODE=sse (stateful, SSE answers), MODE=json (stateful, application/json
//     answers) and MODE=stateless (no sessions, a server per request); the client
//     negotiates 2025-11-25 with all three (after its 2026-07-28 probe fails);
//   - our own mcp-server, once with the client's default negotiation (both speak
//     2026-07-28, so the client goes modern: stateless, no session) and once with
//     --protocol-version 2025-11-25 (a legacy session).
//
// For every server: list-tools, call-tool greet, greet, multi-greet (its log
// notifications shown before the result), list-resources, read-resource,
// list-resource-templates, list-prompts, get-prompt, ping (server/discover in 2026-07-28), status,
// each in text and (where useful) --json form. Then the exit codes: 1 for a tool
// result with isError and for a JSON-RPC error, 2 for usage errors, 3 when nothing
// listens, 5 when --timeout runs out, and an image result saved to a file whose
// bytes are the PNG.
//
// Assertions are on content (names, texts, JSON fields), not on the exact layout.
// Each client run has a private HOME/XDG_CONFIG_HOME (client-cli.mjs), every wait is
// bounded, every process is stopped in after(), and a watchdog caps the file.
//
// Run: tests/interop/run-suite.sh BIN_DIR client-interop.mjs (BIN_DIR holds mcp-client
// and mcp-server), or the pinned node with MCP_CLIENT_BIN / MCP_SERVER_BIN set.
// Skips when mcp-client (or, for its cases, mcp-server) is missing.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { freePort, startServer, stopProcess } from './processes.mjs';
import {
  arrival,
  binaryMissing,
  clientBinary,
  makeHome,
  runClient,
  serverBinary,
  show,
  startTsPeer,
} from './client-cli.mjs';

const CLIENT_BIN = clientBinary();
const SERVER_BIN = serverBinary(CLIENT_BIN);

const RUN_TIMEOUT_MS = 20_000; // one client run (the client's own --timeout is 10 s)
const TEST_TIMEOUT_MS = 90_000; // per server
const WATCHDOG_MS = 300_000; // hard cap for the whole file

// 1x1 PNG served by ts-peer-server's pixel tool.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const cleanups = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
});
setTimeout(() => {
  console.error(`client-interop: watchdog fired after ${WATCHDOG_MS} ms, aborting`);
  process.exit(1);
}, WATCHDOG_MS).unref();

// --- What each server offers -------------------------------------------------------------

const TS_FACTS = {
  tools: ['greet', 'multi-greet', 'fail', 'pixel', 'slow'],
  resource: { name: 'readme', uri: 'file:///readme.txt', mime: 'text/plain', text: 'Read me.' },
  template: { uriTemplate: 'note://{id}', read: 'note://42', text: 'note 42' },
  prompt: { name: 'greeting-prompt', text: (n) => `Please greet ${n}.` },
  multiGreetLead: 150, // ms between the first log message and the result (the server sleeps 2 x 100 ms)
};

const OUR_FACTS = {
  tools: ['get_bedrock_spend', 'get_bedrock_usage_report', 'greet', 'list_bedrock_log_groups', 'multi-greet'],
  resource: {
    name: 'greeting-resource',
    uri: 'https://example.com/greetings/default',
    mime: 'text/plain',
    text: 'Hello, world!',
  },
  template: undefined, // no resource templates
  prompt: { name: 'greeting-template', text: (n) => `Please greet ${n} in a friendly manner.` },
  multiGreetLead: 1500, // the server sleeps 2 x 1 s
};

const logLines = (name) => [
  { level: 'debug', data: `Starting multi-greet for ${name}` },
  { level: 'info', data: `Sending first greeting to ${name}` },
  { level: 'info', data: `Sending second greeting to ${name}` },
];

const TARGETS = [
  {
    label: 'TS SDK server, MODE=sse (stateful, SSE answers)',
    start: () => startTsPeer('sse'),
    facts: TS_FACTS,
    clientArgs: [],
    era: 'legacy',
    protocolVersion: '2025-11-25',
    session: true,
    notifications: true,
  },
  {
    label: 'TS SDK server, MODE=json (stateful, JSON answers)',
    start: () => startTsPeer('json'),
    facts: TS_FACTS,
    clientArgs: [],
    era: 'legacy',
    protocolVersion: '2025-11-25',
    session: true,
    // With enableJsonResponse the SDK's transport answers a POST with one JSON body and
    // has no stream for messages related to the request: send() drops notifications
    // that carry a relatedRequestId (webStandardStreamableHttp.js, "if
    // (!this._enableJsonResponse) { ...writeSSEEvent }"), and the SDK sends
    // related notifications only on the request's stream, never on the GET stream.
    // So no client can show multi-greet's log messages here: only the result arrives.
    notifications: false,
  },
  {
    label: 'TS SDK server, MODE=stateless (no sessions)',
    start: () => startTsPeer('stateless'),
    facts: TS_FACTS,
    clientArgs: [],
    era: 'legacy',
    protocolVersion: '2025-11-25',
    session: false,
    notifications: true,
  },
  {
    label: 'mcp-server, negotiated (2026-07-28, modern)',
    start: () => startServer(SERVER_BIN, ['--port', '0', '--log-level', 'warn'], {}, { timeoutMs: 10_000 }),
    needsServer: true,
    facts: OUR_FACTS,
    clientArgs: [],
    era: 'modern',
    protocolVersion: '2026-07-28',
    session: false,
    notifications: true,
    modernPing: true, // 2026-07-28 has no ping method; the client sends server/discover
    ours: true,
  },
  {
    label: 'mcp-server, --protocol-version 2025-11-25 (legacy session)',
    start: () => startServer(SERVER_BIN, ['--port', '0', '--log-level', 'warn'], {}, { timeoutMs: 10_000 }),
    needsServer: true,
    facts: OUR_FACTS,
    clientArgs: ['--protocol-version', '2025-11-25'],
    era: 'legacy',
    protocolVersion: '2025-11-25',
    session: true,
    notifications: true,
    ours: true,
  },
];

const parseJson = (text, what) => {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not JSON (${err.message}):\n${text}`);
  }
};

/** The JSON lines of a stream (non-JSON lines are ignored). */
const jsonLines = (text) =>
  text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);

// --- Per-server command matrix ------------------------------------------------------------

for (const target of TARGETS) {
  const skip = binaryMissing(CLIENT_BIN) || (target.needsServer && binaryMissing(SERVER_BIN));
  test(`mcp-client one-shot against ${target.label}`, { timeout: TEST_TIMEOUT_MS, skip }, async (t) => {
    const server = await target.start();
    cleanups.push(() => stopProcess(server.proc));
    const home = await makeHome('client-interop');
    cleanups.push(() => home.remove());
    const url = server.url.href;
    const facts = target.facts;
    let failed = false;

    /** Runs `mcp-client --url URL [client args] ...args`. */
    const client = (args, options = {}) =>
      runClient(CLIENT_BIN, ['--url', url, ...(args.includes('--timeout') ? [] : ['--timeout', '10']), ...target.clientArgs, ...args], {
        home,
        timeoutMs: RUN_TIMEOUT_MS,
        ...options,
      });
    const ok = (r) => {
      assert.equal(r.timedOut, false, `the client hung:\n${show(r)}`);
      assert.equal(r.code, 0, `expected exit 0:\n${show(r)}`);
      return r;
    };
    const step = (name, fn) =>
      t.test(name, async () => {
        try {
          await fn();
        } catch (err) {
          failed = true;
          throw err;
        }
      });

    try {
      await step('status --json: era, protocol version, session, server info', async () => {
        const r = ok(await client(['--json', 'status']));
        const s = parseJson(r.stdout, 'status --json');
        assert.equal(s.connected, true, show(r));
        assert.equal(s.era, target.era, show(r));
        assert.equal(s.protocolVersion, target.protocolVersion, show(r));
        if (target.session) assert.ok(s.sessionId, `a session id:\n${show(r)}`);
        else assert.equal(s.sessionId, undefined, `no session id:\n${show(r)}`);
        assert.equal(typeof s.serverInfo?.name, 'string');
        assert.ok(s.capabilities?.tools, `tools capability:\n${show(r)}`);
        assert.equal(s.auth?.authenticated, false);
      });

      await step('status (text)', async () => {
        const r = ok(await client(['status']));
        assert.match(r.stdout, new RegExp(target.protocolVersion.replace(/-/g, '\\-')));
        assert.ok(r.stdout.includes(url), `the URL:\n${show(r)}`);
        assert.match(r.stdout, /tools/, show(r));
      });

      await step('list-tools (text and --json)', async () => {
        const r = ok(await client(['list-tools']));
        for (const name of facts.tools) assert.match(r.stdout, new RegExp(`\\b${name}\\b`), `${name}:\n${show(r)}`);
        assert.match(r.stdout, /A simple greeting tool/);
        const j = parseJson(ok(await client(['--json', 'list-tools'])).stdout, 'list-tools --json');
        assert.deepEqual(j.tools.map((x) => x.name).sort(), [...facts.tools].sort());
        const greet = j.tools.find((x) => x.name === 'greet');
        assert.equal(greet.inputSchema?.properties?.name?.type, 'string');
      });

      await step(`call-tool greet '{"name":"Ada"}'`, async () => {
        const r = ok(await client(['call-tool', 'greet', '{"name":"Ada"}']));
        assert.match(r.stdout, /Hello, Ada!/, show(r));
        const j = parseJson(ok(await client(['--json', 'call-tool', 'greet', '{"name":"Ada"}'])).stdout, 'call-tool --json');
        assert.deepEqual(j.content, [{ type: 'text', text: 'Hello, Ada!' }]);
        assert.ok(!j.isError);
      });

      await step('call-tool with the JSON split over several arguments', async () => {
        const r = ok(await client(['call-tool', 'greet', '{"name":', '"Grace', 'Hopper"}']));
        assert.match(r.stdout, /Hello, Grace Hopper!/, show(r));
      });

      await step('greet (default name and a given one)', async () => {
        assert.match(ok(await client(['greet'])).stdout, /Hello, MCP User!/);
        assert.match(ok(await client(['greet', 'Ada'])).stdout, /Hello, Ada!/);
      });

      await step(
        target.notifications
          ? 'multi-greet Bob: the log messages are shown, in order, before the result'
          : 'multi-greet Bob: the result (the server cannot deliver related notifications in JSON mode)',
        async () => {
          const r = ok(await client(['multi-greet', 'Bob']));
          const result = r.stdout.indexOf('Good morning, Bob!');
          assert.ok(result >= 0, `the result:\n${show(r)}`);
          if (!target.notifications) {
            assert.ok(!r.stdout.includes('Starting multi-greet'), `no log messages expected:\n${show(r)}`);
            return;
          }
          let last = -1;
          for (const { level, data } of logLines('Bob')) {
            const at = r.stdout.indexOf(data);
            assert.ok(at >= 0, `log message "${data}" shown:\n${show(r)}`);
            assert.ok(at > last, `log message "${data}" in order:\n${show(r)}`);
            assert.ok(at < result, `log message "${data}" before the result:\n${show(r)}`);
            const line = r.stdout.slice(r.stdout.lastIndexOf('\n', at) + 1, r.stdout.indexOf('\n', at));
            assert.ok(line.includes(level), `the level "${level}" on "${line}"`);
            last = at;
          }
          // Progress reached its total (shown on stderr when it is not a terminal).
          assert.match(r.stderr, /\b(\d+)\/\1\b/, `progress up to the total:\n${show(r)}`);
          // Streamed, not buffered: the first message arrived well before the result.
          const first = arrival(r, 'Starting multi-greet for Bob', 'stdout');
          const done = arrival(r, 'Good morning, Bob!', 'stdout');
          const lead = done.at - first.at;
          assert.ok(lead >= facts.multiGreetLead, `first log message only ${lead.toFixed(0)} ms before the result`);
        },
      );

      await step('multi-greet --json: notifications on stderr (JSON lines) before the result on stdout', async () => {
        const r = ok(await client(['--json', 'multi-greet', 'Bob']));
        const result = parseJson(r.stdout, 'multi-greet --json');
        assert.deepEqual(result.content, [{ type: 'text', text: 'Good morning, Bob!' }]);
        const logs = jsonLines(r.stderr)
          .filter((l) => l.notification?.method === 'notifications/message')
          .map((l) => ({ level: l.notification.params.level, data: l.notification.params.data }));
        if (!target.notifications) {
          assert.deepEqual(logs, [], show(r));
          return;
        }
        assert.deepEqual(logs, logLines('Bob'), show(r));
        const first = arrival(r, 'Starting multi-greet for Bob', 'stderr');
        const done = arrival(r, 'Good morning, Bob!', 'stdout');
        assert.ok(first.at < done.at, `the first notification arrived before the result:\n${show(r)}`);
      });

      await step('list-resources and read-resource', async () => {
        const { name, uri, mime, text } = facts.resource;
        const r = ok(await client(['list-resources']));
        assert.ok(r.stdout.includes(name) && r.stdout.includes(uri), show(r));
        const j = parseJson(ok(await client(['--json', 'list-resources'])).stdout, 'list-resources --json');
        const listed = j.resources.find((x) => x.uri === uri);
        assert.ok(listed, JSON.stringify(j));
        assert.equal(listed.name, name);
        assert.equal(listed.mimeType, mime);

        const read = ok(await client(['read-resource', uri]));
        assert.ok(read.stdout.includes(text), show(read));
        const rj = parseJson(ok(await client(['--json', 'read-resource', uri])).stdout, 'read-resource --json');
        assert.equal(rj.contents[0].uri, uri);
        assert.equal(rj.contents[0].text, text);
      });

      await step('list-resource-templates', async () => {
        const r = ok(await client(['list-resource-templates']));
        const j = parseJson(ok(await client(['--json', 'list-resource-templates'])).stdout, 'templates --json');
        assert.ok(Array.isArray(j.resourceTemplates), JSON.stringify(j));
        if (facts.template) {
          assert.ok(r.stdout.includes(facts.template.uriTemplate), show(r));
          assert.ok(j.resourceTemplates.some((x) => x.uriTemplate === facts.template.uriTemplate));
          const read = ok(await client(['read-resource', facts.template.read]));
          assert.ok(read.stdout.includes(facts.template.text), show(read));
        } else {
          assert.deepEqual(j.resourceTemplates, []);
        }
      });

      await step('list-prompts and get-prompt', async () => {
        const { name, text } = facts.prompt;
        const r = ok(await client(['list-prompts']));
        assert.ok(r.stdout.includes(name), show(r));
        assert.match(r.stdout, /\bname\b/, `the argument "name":\n${show(r)}`);
        const g = ok(await client(['get-prompt', name, '{"name":"Ada"}']));
        assert.ok(g.stdout.includes(text('Ada')), show(g));
        assert.match(g.stdout, /user/);
        const gj = parseJson(ok(await client(['--json', 'get-prompt', name, '{"name":"Ada"}'])).stdout, 'get-prompt --json');
        assert.deepEqual(gj.messages, [{ role: 'user', content: { type: 'text', text: text('Ada') } }]);
      });

      await step(target.modernPing ? 'ping (2026-07-28 has no ping: the client checks with server/discover)' : 'ping', async () => {
        const r = ok(await client(['ping']));
        assert.match(r.stdout, /pong/i, show(r));
        // ping's own answer ({}), whichever request stood in for it.
        const j = parseJson(ok(await client(['--json', 'ping'])).stdout, 'ping --json');
        assert.deepEqual(j, {});
      });

      if (target.ours) {
        await step('unknown tool: a JSON-RPC error, exit 1 (text and --json)', async () => {
          const r = await client(['call-tool', 'no-such-tool', '{}']);
          assert.equal(r.code, 1, show(r));
          assert.match(r.stderr, /-32602|unknown tool|not found/i, show(r));
          const j = await client(['--json', 'call-tool', 'no-such-tool', '{}']);
          assert.equal(j.code, 1, show(j));
          const err = jsonLines(j.stderr).find((l) => l.error);
          assert.equal(err?.error?.kind, 'rpc', show(j));
          assert.equal(err.error.code, -32602, show(j));
        });
      } else {
        await step('fail tool (isError): exit 1 and its text shown', async () => {
          const r = await client(['call-tool', 'fail']);
          assert.equal(r.code, 1, show(r));
          assert.ok(`${r.stdout}${r.stderr}`.includes('it broke'), show(r));
          const j = await client(['--json', 'call-tool', 'fail']);
          assert.equal(j.code, 1, show(j));
          assert.equal(parseJson(j.stdout, 'fail --json').isError, true);
        });

        await step('unknown tool: exit 1', async () => {
          // SDK 1.32.2 answers an unknown tool with a tool result isError ("Tool ... not
          // found") rather than a JSON-RPC error; both are exit 1.
          const r = await client(['call-tool', 'no-such-tool', '{}']);
          assert.equal(r.code, 1, show(r));
          assert.match(`${r.stdout}${r.stderr}`, /no-such-tool|not found/i, show(r));
        });

        await step('slow tool with --timeout 1: exit 5 after about a second', async () => {
          const r = await client(['--timeout', '1', 'call-tool', 'slow', '{"ms":8000}']);
          assert.equal(r.code, 5, show(r));
          assert.ok(r.ms < 6000, `gave up after ${Math.round(r.ms)} ms`);
          assert.match(r.stderr, /time/i, show(r));
        });

        await step('read-resource of an unknown URI: a JSON-RPC error, exit 1', async () => {
          const r = await client(['read-resource', 'file:///no-such-file.txt']);
          assert.equal(r.code, 1, show(r));
          assert.match(r.stderr, /not found/i, show(r));
        });

        await step('pixel: the image is saved to a file whose path is printed and whose bytes are the PNG', async () => {
          const r = ok(await client(['call-tool', 'pixel']));
          const m = r.stdout.match(/saved to (\S+\.png)/);
          assert.ok(m, `a "saved to <file>.png" line:\n${show(r)}`);
          const file = path.resolve(home.cwd, m[1]);
          assert.deepEqual(await readFile(file), PIXEL);
          assert.match(r.stdout, /image\/png/);
        });
      }

      await step('usage errors: unknown command and bad JSON arguments exit 2', async () => {
        const unknown = await client(['list-toolz']);
        assert.equal(unknown.code, 2, show(unknown));
        assert.match(unknown.stderr, /unknown command/i, show(unknown));
        assert.match(unknown.stderr, /list-tools/, `a suggestion:\n${show(unknown)}`);
        const bad = await client(['call-tool', 'greet', '{"name":']);
        assert.equal(bad.code, 2, show(bad));
        assert.match(bad.stderr, /JSON/, show(bad));
        const notObject = await client(['call-tool', 'greet', '[1,2]']);
        assert.equal(notObject.code, 2, show(notObject));
        const missing = await client(['read-resource']);
        assert.equal(missing.code, 2, show(missing));
        const badJsonPrompt = await client(['--json', 'get-prompt', facts.prompt.name, '{oops}']);
        assert.equal(badJsonPrompt.code, 2, show(badJsonPrompt));
        assert.equal(jsonLines(badJsonPrompt.stderr).find((l) => l.error)?.error?.kind, 'client', show(badJsonPrompt));
      });
    } finally {
      if (failed) t.diagnostic(`server output tail:\n${server.output()}`);
    }
  });
}

// --- Failures that need no server -----------------------------------------------------------

test('mcp-client exit codes without a server', { timeout: 60_000, skip: binaryMissing(CLIENT_BIN) }, async (t) => {
  const home = await makeHome('client-interop');
  cleanups.push(() => home.remove());
  const port = await freePort(); // nothing listens here

  await t.test('connection refused: exit 3 with an explanation', async () => {
    const r = await runClient(CLIENT_BIN, ['--url', `http://127.0.0.1:${port}/mcp`, '--timeout', '5', 'list-tools'], {
      home,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(r.timedOut, false, show(r));
    assert.equal(r.code, 3, show(r));
    assert.match(r.stderr, /connect/i, show(r));
    assert.equal(r.stdout, '', `stdout carries only results:\n${show(r)}`);
  });

  await t.test('connection refused --json: exit 3, a JSON error on stderr', async () => {
    const r = await runClient(
      CLIENT_BIN,
      ['--url', `http://127.0.0.1:${port}/mcp`, '--timeout', '5', '--json', 'call-tool', 'greet', '{"name":"x"}'],
      { home, timeoutMs: RUN_TIMEOUT_MS },
    );
    assert.equal(r.code, 3, show(r));
    const err = jsonLines(r.stderr).find((l) => l.error);
    assert.equal(err?.error?.kind, 'transport', show(r));
  });

  await t.test('bad options: exit 2', async () => {
    const r = await runClient(CLIENT_BIN, ['--protocol-version', '1999-01-01', 'status'], { home, timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(r.code, 2, show(r));
    const u = await runClient(CLIENT_BIN, ['--no-such-option', 'status'], { home, timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(u.code, 2, show(u));
  });

  await t.test('unknown command: exit 2 before connecting', async () => {
    const r = await runClient(CLIENT_BIN, ['--url', `http://127.0.0.1:${port}/mcp`, 'frobnicate'], {
      home,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /unknown command/i, show(r));
  });

  await t.test('--help lists the commands and the exit codes', async () => {
    const r = await runClient(CLIENT_BIN, ['--help'], { home, timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(r.code, 0, show(r));
    for (const word of ['list-tools', 'call-tool', 'multi-greet', 'read-resource', 'get-prompt', 'auth']) {
      assert.ok(r.stdout.includes(word), `${word} in --help:\n${show(r)}`);
    }
    assert.match(r.stdout, /Exit codes/i);
  });
});
