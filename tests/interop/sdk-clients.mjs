// Interop test: the official TypeScript SDK clients against our C++ mcp-server.
//
// For each SDK version (1.32.2 = protocol 2025-11-25, 1.11.0 = protocol 2025-03-26) a
// fresh server process is started on 127.0.0.1 with `--port 0`, a Client connects
// over StreamableHTTPClientTransport and exercises the seed features (greet,
// multi-greet, greeting-template, greeting-resource), the error paths and session
// teardown.
//
// Run: node sdk-clients.mjs   (env MCP_SERVER_BIN overrides the server binary path)

import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import { startServer, stopProcess } from './processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = process.env.MCP_SERVER_BIN ?? path.resolve(HERE, '../../build/debug/bin/mcp-server');

const STARTUP_TIMEOUT_MS = 10_000; // server must print its URL within this
const REQUEST_TIMEOUT_MS = 10_000; // per MCP request
const TEST_TIMEOUT_MS = 25_000; // per SDK version
const WATCHDOG_MS = 58_000; // hard cap for the whole file

const NAME = 'Interop';

// --- Expected seed facts (shared/reference/seed-inventory.md §1.2) -----------------

// The port drops the seed's `"$schema": "http://json-schema.org/draft-07/schema#"`
// (JSON Schema 2020-12 is the default dialect since 2025-11-25); everything else is
// byte-for-byte the seed's zod-to-json-schema output.
const NAME_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string', description: 'Name to greet' } },
  required: ['name'],
  additionalProperties: false,
};

const EXPECTED_TOOLS = {
  greet: { description: 'A simple greeting tool', inputSchema: NAME_SCHEMA },
  'multi-greet': {
    description: 'A tool that sends different greetings with delays between them',
    inputSchema: NAME_SCHEMA,
  },
};

const EXPECTED_LOG_MESSAGES = [
  { level: 'debug', data: `Starting multi-greet for ${NAME}` },
  { level: 'info', data: `Sending first greeting to ${NAME}` },
  { level: 'info', data: `Sending second greeting to ${NAME}` },
];

const RESOURCE_URI = 'https://example.com/greetings/default';

// --- SDK versions under test --------------------------------------------------------

// sdk-1.11.0 is an npm alias of @modelcontextprotocol/sdk@1.11.0. Its package.json
// maps "./*" to "./dist/esm/*", so the import specifiers omit "dist/esm".
const SDKS = [
  {
    label: '@modelcontextprotocol/sdk 1.32.2',
    prefix: '@modelcontextprotocol/sdk',
    expectedProtocolVersion: '2025-11-25',
    testTermination: true,
  },
  {
    label: 'sdk-1.11.0 (@modelcontextprotocol/sdk 1.11.0)',
    prefix: 'sdk-1.11.0',
    expectedProtocolVersion: '2025-03-26',
    testTermination: false,
  },
];

async function loadSdk(prefix) {
  const [{ Client }, { StreamableHTTPClientTransport }, types] = await Promise.all([
    import(`${prefix}/client/index.js`),
    import(`${prefix}/client/streamableHttp.js`),
    import(`${prefix}/types.js`),
  ]);
  return {
    Client,
    StreamableHTTPClientTransport,
    McpError: types.McpError,
    LoggingMessageNotificationSchema: types.LoggingMessageNotificationSchema,
  };
}

// --- Watchdog ---------------------------------------------------------------------

// Last-resort cleanup (a server left behind is killed by processes.mjs): never run
// past the cap.
setTimeout(() => {
  console.error(`sdk-clients: watchdog fired after ${WATCHDOG_MS} ms, aborting`);
  process.exit(1);
}, WATCHDOG_MS).unref();

// --- Helpers ------------------------------------------------------------------------

/**
 * Wraps the transport's onmessage (which Client.connect() installs) to capture the
 * raw initialize result, so the negotiated protocol version can be read even from
 * SDK 1.11.0, whose transport does not expose it.
 */
function captureInitializeResult(transport) {
  const captured = { result: undefined };
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: (fn) => {
      handler = (message, ...rest) => {
        if (captured.result === undefined && message?.result?.protocolVersion !== undefined) {
          captured.result = message.result;
        }
        return fn?.(message, ...rest);
      };
    },
  });
  return captured;
}

/** fetch wrapper recording (method, status) of every HTTP exchange. */
function recordingFetch(log) {
  return async (url, init) => {
    const response = await fetch(url, init);
    log.push({ method: init?.method ?? 'GET', status: response.status });
    return response;
  };
}

// --- The test, once per SDK version -------------------------------------------------

for (const sdkInfo of SDKS) {
  test(`${sdkInfo.label} client against mcp-server`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const sdk = await loadSdk(sdkInfo.prefix);
    const server = await startServer(SERVER_BIN, ['--port', '0'], {}, { timeoutMs: STARTUP_TIMEOUT_MS });
    const requestOptions = { timeout: REQUEST_TIMEOUT_MS };
    let client;
    // Subtest failures do not reject t.test(), so remember them for diagnostics.
    let failed = false;
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
      const httpLog = [];
      // `fetch` is only honoured by 1.32.2 (1.11.0 ignores unknown options).
      const transport = new sdk.StreamableHTTPClientTransport(server.url, { fetch: recordingFetch(httpLog) });
      const initialize = captureInitializeResult(transport);
      client = new sdk.Client({ name: 'sdk-clients-interop', version: '1.0.0' });

      // Log notifications are routed to whichever array is current.
      let logSink = [];
      client.setNotificationHandler(sdk.LoggingMessageNotificationSchema, (n) => {
        logSink.push({ at: performance.now(), level: n.params.level, data: n.params.data });
      });

      await client.connect(transport, requestOptions);

      await step('negotiated protocol version', () => {
        assert.equal(initialize.result?.protocolVersion, sdkInfo.expectedProtocolVersion);
        if (sdkInfo.testTermination) {
          // 1.32.2 records the version on the transport (and sends it as a header).
          assert.equal(transport.protocolVersion, sdkInfo.expectedProtocolVersion);
        }
        assert.ok(transport.sessionId, 'server assigned an Mcp-Session-Id');
      });

      await step('tools/list has greet and multi-greet with exact descriptions and schemas', async () => {
        const { tools } = await client.listTools(undefined, requestOptions);
        for (const [name, expected] of Object.entries(EXPECTED_TOOLS)) {
          const tool = tools.find((x) => x.name === name);
          assert.ok(tool, `tool ${name} listed`);
          assert.equal(tool.description, expected.description);
          assert.deepEqual(tool.inputSchema, expected.inputSchema);
        }
      });

      await step('tools/call greet', async () => {
        const result = await client.callTool({ name: 'greet', arguments: { name: NAME } }, undefined, requestOptions);
        assert.deepEqual(result.content, [{ type: 'text', text: `Hello, ${NAME}!` }]);
        assert.ok(!result.isError);
      });

      await step('tools/call multi-greet streams logs and progress before the result', async () => {
        const logs = (logSink = []);
        const progress = [];
        const started = performance.now();
        const result = await client.callTool({ name: 'multi-greet', arguments: { name: NAME } }, undefined, {
          ...requestOptions,
          onprogress: (p) => progress.push({ at: performance.now(), ...p }),
        });
        const resolvedAt = performance.now();
        logSink = [];

        assert.deepEqual(result.content, [{ type: 'text', text: `Good morning, ${NAME}!` }]);
        // Everything in `logs`/`progress` was delivered before the await resumed.
        assert.deepEqual(
          logs.map(({ level, data }) => ({ level, data })),
          EXPECTED_LOG_MESSAGES,
        );
        assert.ok(progress.length >= 3, `>= 3 progress notifications, got ${progress.length}`);
        for (const p of progress) assert.ok(p.at <= resolvedAt);

        // Streaming, not buffering: the server sleeps ~2 s between the first and the
        // last message, so the first one must reach us well before the result.
        const lead = resolvedAt - logs[0].at;
        assert.ok(lead >= 1500, `first log message only ${lead.toFixed(0)} ms before the result`);
        const spread = logs[2].at - logs[0].at;
        assert.ok(spread >= 1500, `log messages spread over only ${spread.toFixed(0)} ms`);
        assert.ok(resolvedAt - started >= 1900, 'multi-greet takes ~2 s');
      });

      await step('resources/list and resources/read', async () => {
        const { resources } = await client.listResources(undefined, requestOptions);
        const resource = resources.find((r) => r.name === 'greeting-resource');
        assert.ok(resource, 'greeting-resource listed');
        assert.equal(resource.uri, RESOURCE_URI);
        assert.equal(resource.mimeType, 'text/plain');

        const { contents } = await client.readResource({ uri: RESOURCE_URI }, requestOptions);
        assert.equal(contents.length, 1);
        assert.equal(contents[0].uri, RESOURCE_URI);
        assert.equal(contents[0].text, 'Hello, world!');
      });

      await step('prompts/list and prompts/get', async () => {
        const { prompts } = await client.listPrompts(undefined, requestOptions);
        const prompt = prompts.find((p) => p.name === 'greeting-template');
        assert.ok(prompt, 'greeting-template listed');
        assert.equal(prompt.description, 'A simple greeting prompt template');
        assert.deepEqual(prompt.arguments, [
          { name: 'name', description: 'Name to include in greeting', required: true },
        ]);

        const { messages } = await client.getPrompt(
          { name: 'greeting-template', arguments: { name: NAME } },
          requestOptions,
        );
        assert.deepEqual(messages, [
          { role: 'user', content: { type: 'text', text: `Please greet ${NAME} in a friendly manner.` } },
        ]);
      });

      await step('unknown tool is a JSON-RPC error -32602', async () => {
        await assert.rejects(
          client.callTool({ name: 'no-such-tool', arguments: {} }, undefined, requestOptions),
          (err) => {
            assert.ok(err instanceof sdk.McpError, `expected McpError, got ${err?.constructor?.name}: ${err}`);
            assert.equal(err.code, -32602);
            return true;
          },
        );
      });

      await step('greet with a non-string name is a tool error (isError)', async () => {
        const result = await client.callTool({ name: 'greet', arguments: { name: 42 } }, undefined, requestOptions);
        assert.equal(result.isError, true);
      });

      if (sdkInfo.testTermination) {
        await step('DELETE terminates the session; the old id then gets 404', async () => {
          const sessionId = transport.sessionId;
          await transport.terminateSession();
          // terminateSession() also tolerates 405 ("not supported"): insist on success.
          const del = httpLog.findLast((e) => e.method === 'DELETE');
          assert.ok(del, 'a DELETE was sent');
          assert.equal(del.status, 200);
          assert.equal(transport.sessionId, undefined);

          await client.close();
          client = undefined;

          const response = await fetch(server.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-session-id': sessionId,
              'mcp-protocol-version': sdkInfo.expectedProtocolVersion,
            },
            body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          await response.body?.cancel();
          assert.equal(response.status, 404);
        });
      } else {
        await step('client.close()', async () => {
          await client.close();
          client = undefined;
        });
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // Attach the server's recent output to make failures diagnosable.
      if (failed) t.diagnostic(`server output tail:\n${server.output()}`);
      await client?.close().catch(() => {});
      await stopProcess(server.proc);
    }
  });
}
