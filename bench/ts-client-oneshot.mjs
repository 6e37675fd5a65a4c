// The TypeScript peer for the client start-up benchmark: the official SDK
// 1.32.2 client doing what `mcp-client --url URL call-tool greet '{"name":"Bench"}'`
// does (connect = initialize + initialized, tools/call, close), then exiting.
// The seeds' own client is an interactive tsx script with no one-shot mode, so
// this is the closest comparable TypeScript program.
// Usage: node bench/ts-client-oneshot.mjs URL
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(HERE, '../tests/interop/package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');

const client = new Client({ name: 'bench', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(process.argv[2]));
await client.connect(transport);
const result = await client.callTool({ name: 'greet', arguments: { name: 'Bench' } });
process.stdout.write(`${result.content[0].text}\n`);
await transport.terminateSession().catch(() => {});
await client.close();
