// The official MCP conformance suite's AUTHORIZATION-SERVER scenarios
// (@modelcontextprotocol/conformance 0.2.0-alpha.12, `conformance authorization`)
// run against mcp-server's login facade (--auth cognito --auth-facade), with a real
// upstream authorization server behind it: oidc-provider in its Cognito-like mode
// (see oidc-provider.mjs: one pre-registered client whose only redirect URI is the
// facade's callback, no registration endpoint, no RFC 8414 document).
//
//   1. Starts the provider and mcp-server on 127.0.0.1 (the server's port is chosen
//      first so that its callback can be registered upstream).
//   2. Registers a public client at the facade (RFC 7591) whose redirect URI is the
//      conformance CLI's callback listener http://127.0.0.1:<Q>/callback.
//   3. Runs the CLI without --scenario, so both scenarios run in order and share their
//      context: authorization-server-metadata-endpoint, then authorization-code-grant.
//      The CLI prints an authorization URL and waits for a browser; the test plays the
//      browser: facade /oauth/authorize -> provider /auth -> provider login and
//      consent forms (driveLogin) -> facade /oauth/callback -> 302 to the CLI's
//      listener, which the test then GETs, so the CLI exchanges the code at the
//      facade's token endpoint (which the facade proxies upstream).
//   4. Asserts exit code 0 and that every check in the CLI's checks.json files is
//      SUCCESS, except the known WARNING authorization-server-metadata-cimd (the
//      facade does not support Client ID Metadata Documents).
//   5. Stops the server with SIGTERM and asserts exit code 0.
//
// Every process and port is on 127.0.0.1, every wait is bounded, and everything
// started is stopped in after() hooks, also on failure.
//
// Run: run-suite.sh BIN_DIR facade-conformance.mjs, or node --test facade-conformance.mjs with
// the pinned Node 22 (env MCP_SERVER_BIN overrides the server binary path). Skips
// itself when `mcp-server --help` lacks --auth-facade or the conformance package is
// not installed.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import crypto from 'node:crypto';
import path from 'node:path';

import { startProvider, driveLogin } from './oidc-provider.mjs';
import { freePort, serverHelp, startServer as startMcpServer, stopProcess, trackProcess } from './processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = process.env.MCP_SERVER_BIN ?? path.resolve(HERE, '../../build/debug/bin/mcp-server');
const CONFORMANCE_PKG = path.join(HERE, 'node_modules', 'conformance-0.2.0-alpha.12');
const CONFORMANCE_CLI = path.join(CONFORMANCE_PKG, 'dist', 'index.js');

const STARTUP_TIMEOUT_MS = 10_000; // server must print its URL within this
const REQUEST_TIMEOUT_MS = 10_000; // per raw HTTP request
const AUTH_URL_TIMEOUT_MS = 30_000; // the CLI must print its authorization URL within this
const CLI_TIMEOUT_MS = 60_000; // the whole CLI run
const TEST_TIMEOUT_MS = 90_000;
const WATCHDOG_MS = 150_000; // hard cap for the whole file

// The only check that may be other than SUCCESS, and only as a WARNING.
const ALLOWED_WARNINGS = new Set(['authorization-server-metadata-cimd']);
const SCENARIOS = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];

// --- Prerequisites ----------------------------------------------------------------------

const HELP = serverHelp(SERVER_BIN);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const SKIP =
  HELP === undefined
    ? `server binary not found: ${SERVER_BIN}`
    : !/--auth-facade\b/.test(HELP)
      ? `${SERVER_BIN} has no --auth-facade option`
      : !existsSync(CONFORMANCE_CLI)
        ? `conformance package not installed: ${CONFORMANCE_CLI}`
        : NODE_MAJOR < 22
          ? `the conformance CLI needs Node >= 22 (this is ${process.version})`
          : false;

// --- Processes --------------------------------------------------------------------------

const cleanups = [];
after(async () => {
  // Stop in reverse order; never throw from here.
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
});
setTimeout(() => {
  console.error(`facade-conformance: watchdog fired after ${WATCHDOG_MS} ms, aborting`);
  process.exit(1);
}, WATCHDOG_MS).unref();

/** Kills `proc` if the test process ends, and stops it in the after() hook. */
function track(proc) {
  trackProcess(proc);
  cleanups.push(() => stopProcess(proc));
}

/** Resolves with the exit code (or signal) once `proc` exits, or undefined after `ms`. */
function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode ?? proc.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/** Starts mcp-server; it is stopped by the file's after() hook. */
async function startServer(args, env) {
  const server = await startMcpServer(SERVER_BIN, args, env, { timeoutMs: STARTUP_TIMEOUT_MS });
  cleanups.push(() => stopProcess(server.proc));
  return server;
}

/**
 * Starts the conformance CLI. Resolves `authUrl` with the authorization URL it prints
 * (the line after "Access the following URL ..."), or rejects if it exits first or
 * prints none within AUTH_URL_TIMEOUT_MS.
 */
function startCli(args) {
  const proc = spawn(process.execPath, [CONFORMANCE_CLI, 'authorization', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: HERE,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  track(proc);
  let out = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => {
    out += d;
  });
  let expectUrl = false;
  let resolveUrl;
  let rejectUrl;
  const authUrl = new Promise((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  authUrl.catch(() => {}); // observed by the caller when needed
  const timer = setTimeout(
    () => rejectUrl(new Error(`the CLI printed no authorization URL within ${AUTH_URL_TIMEOUT_MS} ms:\n${out}`)),
    AUTH_URL_TIMEOUT_MS,
  );
  createInterface({ input: proc.stdout }).on('line', (line) => {
    out += line + '\n';
    if (/Access the following URL/.test(line)) expectUrl = true;
    else if (expectUrl && /^https?:\/\/\S+$/.test(line.trim())) {
      expectUrl = false;
      clearTimeout(timer);
      resolveUrl(line.trim());
    }
  });
  proc.once('exit', (code, signal) => {
    clearTimeout(timer);
    rejectUrl(new Error(`the CLI exited (code ${code}, signal ${signal}) before printing an authorization URL:\n${out}`));
  });
  return { proc, authUrl, output: () => out };
}

/** Every checks.json under `dir`: [{ scenario, file, checks }]. */
function readResults(dir) {
  const results = [];
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (path.basename(rel) !== 'checks.json') continue;
    const file = path.join(dir, rel);
    const top = rel.split(path.sep)[0];
    // <dir>/authorization-server-<scenario>-<ISO timestamp with - for : and .>/checks.json
    const scenario = top.replace(/^authorization-server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    results.push({ scenario, file, checks: JSON.parse(readFileSync(file, 'utf8')) });
  }
  return results;
}

// --- The test ---------------------------------------------------------------------------

const state = {};

test(
  'conformance authorization-server scenarios against the login facade (Cognito-like upstream)',
  { timeout: TEST_TIMEOUT_MS, skip: SKIP },
  async (t) => {
    const log = (s) => t.diagnostic(s);
    const dumps = []; // printed when the test fails
    try {
      // 1. upstream and server. The facade's callback must be registered upstream first.
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const clientId = 'facade-client';
      const as = await startProvider({ mode: 'cognito-like', clientId, redirectUris: `${origin}/oauth/callback` });
      cleanups.push(() => as.close());
      dumps.push(() => `provider requests:\n${as.requests.map((r) =>
        `  ${r.method} ${r.path}${r.query ? '?' + r.query : ''} -> ${r.status}${r.location ? ' Location: ' + r.location : ''}`).join('\n')}`);
      const upstream = await as.metadata();

      const server = await startServer(['--port', String(port), '--auth', 'cognito', '--auth-facade'], {
        COGNITO_REGION: 'us-east-1',
        COGNITO_USER_POOL_ID: 'us-east-1_Test',
        COGNITO_ALLOWED_CLIENT_IDS: clientId,
        OAUTH_ISSUER: as.issuer,
        OAUTH_JWKS_URL: upstream.jwks_uri,
        FACADE_UPSTREAM_ISSUER: as.issuer,
        FACADE_CLIENT_ID: clientId,
        FACADE_SECRET: crypto.randomBytes(24).toString('base64url'),
      });
      state.server = server;
      dumps.push(() => `mcp-server output (tail):\n${server.output()}`);
      assert.equal(server.url.origin, origin, 'the server took the port chosen for it');
      const mcpUrl = new URL('/mcp', origin).href;

      // 2. a public client at the facade whose redirect URI is the CLI's listener.
      const cliPort = await freePort();
      const callbackUrl = `http://127.0.0.1:${cliPort}/callback`;
      const reg = await fetch(`${origin}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ client_name: 'conformance', redirect_uris: [callbackUrl] }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const regText = await reg.text();
      assert.equal(reg.status, 201, `POST ${origin}/oauth/register answered ${reg.status}: ${regText}`);
      const { client_id: facadeClientId } = JSON.parse(regText);
      assert.ok(typeof facadeClientId === 'string' && facadeClientId, `registration returned no client_id: ${regText}`);
      log(`facade issuer ${origin}, upstream ${as.issuer}, registered client_id ${facadeClientId}`);

      // 3. the CLI, both scenarios in order (no --scenario: they share context).
      const outDir = mkdtempSync(path.join(os.tmpdir(), 'facade-conformance-'));
      cleanups.push(async () => rmSync(outDir, { recursive: true, force: true }));
      const cliArgs = [
        '--url', origin,
        '--client-id', facadeClientId,
        '--port', String(cliPort),
        '--resource', mcpUrl,
        '-o', outDir,
        '--verbose',
      ];
      log(`conformance authorization ${cliArgs.join(' ')}`);
      const cli = startCli(cliArgs);
      dumps.push(() => `conformance CLI output:\n${cli.output()}`);

      const authUrl = await cli.authUrl;
      log(`authorization URL: ${authUrl}`);
      assert.equal(new URL(authUrl).origin, origin, 'the CLI authorizes at the facade');

      // Play the browser up to the redirect to the CLI's listener, then deliver it.
      let login;
      try {
        login = await driveLogin(authUrl, { redirectUrl: callbackUrl });
      } catch (err) {
        dumps.push(() => `browser hops:\n${(err.hops ?? []).map((h) =>
          `  ${h.method} ${h.url} -> ${h.status}${h.location ? ' Location: ' + h.location : ''}`).join('\n')}`);
        throw err;
      }
      const hops = login.hops.map((h) => `  ${h.method} ${h.url} -> ${h.status}${h.location ? ' Location: ' + h.location : ''}`);
      log(`browser hops:\n${hops.join('\n')}\n  -> ${login.location.href}`);
      assert.ok(
        login.hops.some((h) => new URL(h.url).origin === as.issuer),
        'the login went through the upstream provider',
      );
      assert.ok(
        login.hops.some((h) => h.url.startsWith(`${origin}/oauth/callback`)),
        'the upstream redirected to the facade callback',
      );
      const delivered = await fetch(login.location, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const deliveredText = await delivered.text();
      assert.equal(delivered.status, 200, `the CLI's listener answered ${delivered.status}: ${deliveredText}`);

      // 4. the CLI's verdict.
      const code = await waitExit(cli.proc, CLI_TIMEOUT_MS);
      assert.notEqual(code, undefined, `the CLI did not exit within ${CLI_TIMEOUT_MS} ms`);

      const results = readResults(outDir);
      const lines = [];
      for (const r of results) {
        for (const c of r.checks) {
          lines.push(`  ${c.status.padEnd(8)} ${r.scenario} / ${c.id}: ${c.description?.split('\n')[0] ?? ''}` +
            (c.errorMessage ? ` — ${c.errorMessage}` : ''));
        }
      }
      log(`conformance checks (${outDir}):\n${lines.join('\n')}`);
      const grant = results.find((r) => r.scenario === 'authorization-code-grant')?.checks[0];
      if (grant?.details) log(`authorization-code-grant details: ${JSON.stringify(grant.details)}`);

      assert.deepEqual(
        results.map((r) => r.scenario).sort(),
        [...SCENARIOS].sort(),
        'one checks.json per authorization-server scenario',
      );
      const bad = results.flatMap((r) =>
        r.checks
          .filter((c) => !(c.status === 'SUCCESS' || (c.status === 'WARNING' && ALLOWED_WARNINGS.has(c.id))))
          .map((c) => ({ scenario: r.scenario, ...c })),
      );
      assert.deepEqual(bad, [], `checks other than SUCCESS (or the known CIMD WARNING):\n${JSON.stringify(bad, null, 2)}`);
      for (const s of SCENARIOS) {
        const r = results.find((x) => x.scenario === s);
        assert.ok(r.checks.some((c) => c.status === 'SUCCESS'), `${s}: at least one SUCCESS`);
      }
      assert.equal(code, 0, `the CLI exited with ${code}`);
      assert.ok(
        as.requests.some((r) => r.method === 'POST' && r.path === '/token' && r.status === 200),
        'the facade redeemed the upstream code at the provider',
      );
    } catch (err) {
      for (const dump of dumps) console.error(dump());
      throw err;
    }
  },
);

test('mcp-server exits 0 on SIGTERM', { timeout: 10_000, skip: SKIP }, async (t) => {
  if (!state.server) return t.skip('the server was not started');
  const code = await stopProcess(state.server.proc);
  assert.equal(code, 0, `mcp-server exit: ${code}\n${state.server.output()}`);
});
