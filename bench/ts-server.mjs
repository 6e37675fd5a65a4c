// The TypeScript SDK peer of the benchmark: an MCP server configured like the
// seeds' src/server.ts (shared/reference/seed-inventory.md §1.4-1.5), on the
// SDK 1.32.2 and Express 5.1.0 installed in tests/interop/node_modules:
//
//   - Express with express.json(), POST/GET/DELETE on /mcp;
//   - one StreamableHTTPServerTransport per session (stateful,
//     sessionIdGenerator: randomUUID) kept in a process-global map, created
//     when a POST without Mcp-Session-Id carries `initialize`;
//   - an InMemoryEventStore per session (resumability), as in the seeds;
//   - responses as SSE (enableJsonResponse off: the SDK default the seeds used);
//   - a `greet` tool with the zod schema {name: z.string()} returning
//     "Hello, <name>!".
//
// One deliberate difference: the seeds connected every transport to a single
// shared McpServer (bug B2 of the inventory). SDK 1.32.2 refuses a second
// connect ("Already connected to a transport"), so each session gets its own
// McpServer, which is the SDK's documented pattern. The benchmark uses one
// session, so this does not change the per-request work.
//
// Environment:
//   PORT              port on 127.0.0.1 (default 3000; 0 picks a free one)
//   TS_JSON_RESPONSE  1: enableJsonResponse (application/json answers)
//   TS_EVENT_STORE    0: no InMemoryEventStore
//
// Prints one line `{"url":"http://127.0.0.1:PORT/mcp"}` once listening.
// Modules resolve from tests/interop/node_modules (no second package.json).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(HERE, '../tests/interop/package.json'));

const express = require('express');
const { z } = require('zod');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { isInitializeRequest } = require('@modelcontextprotocol/sdk/types.js');
const { InMemoryEventStore } = require('@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js');

const PORT = Number(process.env.PORT ?? 3000);
const JSON_RESPONSE = process.env.TS_JSON_RESPONSE === '1';
const EVENT_STORE = process.env.TS_EVENT_STORE !== '0';

function createServer() {
  const server = new McpServer(
    { name: 'bedrock-usage-stats-http-server', version: '1.0.1' },
    { capabilities: { logging: {} } },
  );
  server.tool('greet', 'A simple greeting tool', { name: z.string().describe('Name to greet') }, async ({ name }) => ({
    content: [{ type: 'text', text: `Hello, ${name}!` }],
  }));
  return server;
}

const transports = {};
const app = express();
app.use(express.json());

app.post('/mcp', async (req, res) => {
  try {
    const sessionId = req.headers['mcp-session-id'];
    let transport;
    if (sessionId && transports[sessionId]) {
      transport = transports[sessionId];
    } else if (!sessionId && isInitializeRequest(req.body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: EVENT_STORE ? new InMemoryEventStore() : undefined,
        enableJsonResponse: JSON_RESPONSE,
        onsessioninitialized: (sid) => {
          transports[sid] = transport;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) delete transports[transport.sessionId];
      };
      await createServer().connect(transport);
    } else {
      res.status(400).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
        id: null,
      });
      return;
    }
    await transport.handleRequest(req, res, req.body);
  } catch (err) {
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

const sessionRequest = async (req, res) => {
  const sessionId = req.headers['mcp-session-id'];
  if (!sessionId || !transports[sessionId]) {
    res.status(400).send('Invalid or missing session ID');
    return;
  }
  await transports[sessionId].handleRequest(req, res);
};
app.get('/mcp', sessionRequest);
app.delete('/mcp', sessionRequest);

const listener = app.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${listener.address().port}/mcp` })}\n`);
});
const stop = () => listener.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
