// A TypeScript SDK 1.32.2 MCP server for the client interop tests, in the
// three shapes a client meets in the wild:
//
//   MODE=sse        stateful sessions, answers as SSE (the SDK default, the seeds' server)
//   MODE=json       stateful sessions, enableJsonResponse (application/json answers)
//   MODE=stateless  no sessions (sessionIdGenerator undefined), a server per request
//
// Tools mirror the seeds: greet, multi-greet (log notifications and progress
// between delays), plus a failing tool, an image tool and a slow tool; a text
// resource, a resource template and a prompt.
// Prints `{"url":"http://127.0.0.1:PORT/mcp"}` once listening (PORT=0 picks one).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const express = require('express');
const { z } = require('zod');
const { McpServer, ResourceTemplate } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { isInitializeRequest } = require('@modelcontextprotocol/sdk/types.js');

const MODE = process.env.MODE ?? 'sse';
const PORT = Number(process.env.PORT ?? 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A 1x1 PNG.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function createServer() {
  const server = new McpServer({ name: `ts-peer-${MODE}`, version: '1.32.2' }, { capabilities: { logging: {} } });
  server.tool('greet', 'A simple greeting tool', { name: z.string().describe('Name to greet') }, async ({ name }) => ({
    content: [{ type: 'text', text: `Hello, ${name}!` }],
  }));
  server.tool(
    'multi-greet',
    'Greets several times, with notifications in between',
    { name: z.string().describe('Name to greet') },
    async ({ name }, extra) => {
      const token = extra._meta?.progressToken;
      const progress = async (n) => {
        if (token !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: n, total: 2 } });
        }
      };
      const log = (level, data) => extra.sendNotification({ method: 'notifications/message', params: { level, data } });
      await log('debug', `Starting multi-greet for ${name}`);
      await progress(0);
      await sleep(100);
      await log('info', `Sending first greeting to ${name}`);
      await progress(1);
      await sleep(100);
      await log('info', `Sending second greeting to ${name}`);
      await progress(2);
      return { content: [{ type: 'text', text: `Good morning, ${name}!` }] };
    },
  );
  server.tool('fail', 'Always fails', {}, async () => ({ content: [{ type: 'text', text: 'it broke' }], isError: true }));
  server.tool('pixel', 'Returns an image', {}, async () => ({
    content: [{ type: 'image', data: PIXEL, mimeType: 'image/png' }],
  }));
  server.tool('slow', 'Sleeps for ms milliseconds', { ms: z.number() }, async ({ ms }, extra) => {
    const until = Date.now() + ms;
    while (Date.now() < until && !extra.signal.aborted) await sleep(20);
    return { content: [{ type: 'text', text: extra.signal.aborted ? 'cancelled' : 'done' }] };
  });
  server.resource('readme', 'file:///readme.txt', { mimeType: 'text/plain', description: 'A text file' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Read me.' }],
  }));
  server.resource('note', new ResourceTemplate('note://{id}', { list: undefined }), async (uri, { id }) => ({
    contents: [{ uri: uri.href, text: `note ${id}` }],
  }));
  server.prompt('greeting-prompt', 'A greeting prompt', { name: z.string() }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name}.` } }],
  }));
  return server;
}

const transports = {};
const app = express();
app.use(express.json());

app.post('/mcp', async (req, res) => {
  try {
    if (MODE === 'stateless') {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = createServer();
      res.on('close', () => {
        transport.close();
        server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport;
    if (sessionId && transports[sessionId]) {
      transport = transports[sessionId];
    } else if (!sessionId && isInitializeRequest(req.body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: MODE === 'json',
        onsessioninitialized: (sid) => {
          transports[sid] = transport;
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) delete transports[transport.sessionId];
      };
      await createServer().connect(transport);
    } else {
      res.status(sessionId ? 404 : 400).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: sessionId ? 'Session not found' : 'Bad Request: No valid session ID provided' },
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
  if (MODE === 'stateless') {
    res.status(405).set('Allow', 'POST').end();
    return;
  }
  const sessionId = req.headers['mcp-session-id'];
  if (!sessionId || !transports[sessionId]) {
    res.status(sessionId ? 404 : 400).send('Invalid or missing session ID');
    return;
  }
  await transports[sessionId].handleRequest(req, res);
};
app.get('/mcp', sessionRequest);
app.delete('/mcp', sessionRequest);

const listener = app.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${listener.address().port}/mcp` })}\n`);
});
const stop = () => {
  listener.close(() => process.exit(0));
  listener.closeAllConnections?.();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
