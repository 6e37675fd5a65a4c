// End-to-end test of mcp-server as an OAuth 2.1 resource server, over real HTTP.
//
// A loopback JWKS server (token-lab.mjs) publishes keys this file generates; tokens
// are minted here, including raw hostile constructions. Servers under test:
//   * oidc      --auth oidc with required + per-tool scopes: PRM, challenges, the
//               hostile-token table, scopes, query-string tokens, session binding,
//               then JWKS rotation, rate-limited refetch and outages;
//   * jwks-down --auth oidc whose JWKS server is down at start: 503 + Retry-After,
//               recovery, and key removal after the cache TTL;
//   * cognito   --auth cognito (issuer overridden, JWKS on loopback): Cognito claim rules;
//   * none      --auth none still serves without a token;
//   * config    start-up configuration errors exit with code 2.
// Every server must exit 0 on SIGTERM and must never log a token it was sent.
//
// Run: node --test auth-server.test.mjs   (env MCP_SERVER_BIN overrides the binary)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';

import {
  JwksServer,
  b64url,
  flipSignatureByte,
  generateEcKey,
  generateRsaKey,
  mintJwt,
  mintRaw,
  now,
  reserveStoppedJwksServer,
  unb64url,
} from './token-lab.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = process.env.MCP_SERVER_BIN ?? path.resolve(HERE, '../../build/debug/bin/mcp-server');

const STARTUP_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const SUITE_TIMEOUT_MS = 30_000;
const WATCHDOG_MS = 58_000;

const PROTOCOL = '2025-06-18';
const REQUIRED_SCOPE = 'mcp:use';
const GREET_SCOPE = 'greet:run';
const TOOL_SCOPES = { greet: GREET_SCOPE };
const FULL_SCOPE = `${REQUIRED_SCOPE} ${GREET_SCOPE}`;

const COGNITO_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example';

// --- process management -------------------------------------------------------------

const liveServers = new Set();
process.on('exit', () => {
  for (const proc of liveServers) proc.kill('SIGKILL');
});
setTimeout(() => {
  console.error(`auth-server: watchdog fired after ${WATCHDOG_MS} ms, aborting; active: ${process.getActiveResourcesInfo().join(', ')}`);
  for (const proc of liveServers) proc.kill('SIGKILL');
  process.exit(1);
}, WATCHDOG_MS).unref();

/** Env for the server: nothing inherited but PATH/HOME, so ambient MCP_* cannot leak in. */
function serverEnv(extra) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

/** Every token (and signature segment) sent anywhere; none may ever appear in a log. */
const SENT_SECRETS = new Set();
function rememberSecret(value) {
  if (typeof value !== 'string') return;
  const token = value.replace(/^\s*\S+\s+/, '').trim(); // drop the scheme if present
  if (token.length >= 16) SENT_SECRETS.add(token);
  // A logged signature, or a logged "header.payload" prefix, is a logged token too.
  const parts = token.split('.');
  if (parts.length === 3 && parts[2].length >= 40) SENT_SECRETS.add(parts[2]);
  if (parts.length >= 2 && parts[0].length + parts[1].length >= 40) SENT_SECRETS.add(`${parts[0]}.${parts[1]}`);
}

/**
 * Spawns mcp-server and resolves once it logs its "listening" URL.
 * Returns { proc, url, origin, prmUrl, lines, stderr(), exit (promise), stop() }.
 */
function startServer({ args = [], env = {}, label }) {
  return new Promise((resolve, reject) => {
    if (!existsSync(SERVER_BIN)) {
      reject(new Error(`server binary not found: ${SERVER_BIN}`));
      return;
    }
    const proc = spawn(SERVER_BIN, ['--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: serverEnv(env),
    });
    liveServers.add(proc);
    const lines = [];
    let stderr = '';
    let outBytes = 0;
    const exit = new Promise((res) =>
      proc.once('exit', (code, signal) => {
        liveServers.delete(proc);
        res({ code, signal });
      }),
    );
    proc.stderr.setEncoding('utf8').on('data', (d) => {
      if (stderr.length < 1_000_000) stderr += d;
    });
    const server = {
      label,
      proc,
      lines,
      stderr: () => stderr,
      exit,
      responses: [],
      allowed5xx: 0,
      tail: () => [...lines.slice(-25), stderr.slice(-2000)].join('\n'),
      stop: () => stopProcess(proc, exit),
    };

    let settled = false;
    const finish = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) stopProcess(proc, exit).finally(() => reject(err));
      else resolve(server);
    };
    const timer = setTimeout(
      () => finish(new Error(`${label}: no URL within ${STARTUP_TIMEOUT_MS} ms:\n${server.tail()}`)),
      STARTUP_TIMEOUT_MS,
    );
    createInterface({ input: proc.stdout }).on('line', (line) => {
      outBytes += line.length;
      if (outBytes < 8_000_000) lines.push(line);
      if (settled) return;
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'listening' && typeof entry.url === 'string') {
        server.url = entry.url;
        const u = new URL(entry.url);
        server.origin = u.origin;
        server.endpoint = u.pathname;
        server.prmUrl = `${u.origin}/.well-known/oauth-protected-resource${u.pathname}`;
        finish(null);
      }
    });
    proc.once('error', (err) => finish(err));
    exit.then(({ code, signal }) =>
      finish(new Error(`${label}: exited during start-up (code ${code}, signal ${signal}):\n${server.tail()}`)),
    );
  });
}

/** SIGTERM; SIGKILL after STOP_TIMEOUT_MS. Resolves with { code, signal, killed }. */
async function stopProcess(proc, exit) {
  if (proc.exitCode !== null || proc.signalCode !== null) return { ...(await exit), killed: false };
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    proc.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  proc.kill('SIGTERM');
  const result = await exit;
  clearTimeout(timer);
  return { ...result, killed };
}

/** Runs the binary to completion (config-error cases). Resolves { code, signal, stdout, stderr, started }. */
function runToExit({ args, env, timeoutMs = 5000 }) {
  return new Promise((resolve) => {
    const proc = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv(env) });
    liveServers.add(proc);
    let stdout = '';
    let stderr = '';
    let started = false;
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (/"msg":"listening"/.test(stdout) && !started) {
        started = true; // should not happen: stop it, the case fails
        proc.kill('SIGTERM');
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      liveServers.delete(proc);
      resolve({ code, signal, stdout, stderr, started });
    });
  });
}

/** The end-of-life checks shared by every long-running server. */
async function finishServer(server) {
  const { code, signal, killed } = await server.stop();
  const problems = [];
  if (killed || code !== 0) problems.push(`exit code ${code}, signal ${signal}${killed ? ' (SIGKILLed)' : ''}`);
  const output = server.lines.join('\n') + '\n' + server.stderr();
  for (const secret of SENT_SECRETS) {
    if (output.includes(secret)) {
      const line = output.split('\n').find((l) => l.includes(secret));
      problems.push(`a token was logged: ${line.slice(0, 300)}`);
      break;
    }
  }
  const jwtLike = output.split('\n').find((l) => /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/.test(l));
  if (jwtLike) problems.push(`a JWT-looking string was logged: ${jwtLike.slice(0, 300)}`);
  const bad5xx = server.responses.filter((r) => r.status >= 500 && !r.expected5xx);
  if (bad5xx.length) problems.push(`unexpected 5xx: ${bad5xx.map((r) => `${r.status} ${r.what}`).join('; ')}`);
  return problems;
}

// --- HTTP ---------------------------------------------------------------------------

/**
 * One HTTP exchange with node:http (no connection reuse). `headers` values may be
 * arrays (sent as repeated header lines). Resolves { status, headers, rawHeaders, text, json }.
 */
function httpRequest(url, { method = 'POST', headers = {}, body, server, what, expected5xx = false } = {}) {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'authorization') [v].flat().forEach(rememberSecret);
  }
  const u = new URL(url);
  for (const v of u.searchParams.getAll('access_token')) rememberSecret(v);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers,
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const out = {
            status: res.statusCode,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            text,
            json: parseBody(text, res.headers['content-type']),
          };
          server?.responses.push({ status: out.status, what: what ?? `${method} ${u.pathname}`, expected5xx });
          resolve(out);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** JSON body, or the first JSON-RPC response carried in an SSE stream. */
function parseBody(text, contentType = '') {
  if (contentType.includes('text/event-stream')) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      try {
        const msg = JSON.parse(line.slice(5).trim());
        if (msg && ('result' in msg || 'error' in msg)) return msg;
      } catch {
        // keep scanning
      }
    }
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 't', version: '1' } },
};

/** POST an MCP message. auth: a token (→ "Bearer <t>"), or { authorization } for raw header values. */
function mcpPost(server, { token, authorization, sessionId, message = INITIALIZE, query = '', extraHeaders = {}, what, expected5xx }) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extraHeaders,
  };
  if (authorization !== undefined) headers.authorization = authorization;
  else if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (sessionId) {
    headers['mcp-session-id'] = sessionId;
    headers['mcp-protocol-version'] = PROTOCOL;
  }
  return httpRequest(server.url + query, {
    headers,
    body: JSON.stringify(message),
    server,
    what: what ?? message.method,
    expected5xx,
  });
}

const greetCall = (id = 2, name = 'greet') => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: { name: 'x' } },
});
const toolsList = { jsonrpc: '2.0', id: 3, method: 'tools/list' };

/** Short, single-line evidence for assertion messages. */
function evidence(res) {
  const wa = res.headers['www-authenticate'];
  const ra = res.headers['retry-after'];
  return `HTTP ${res.status}${wa ? ` | WWW-Authenticate: ${wa}` : ''}${ra ? ` | Retry-After: ${ra}` : ''} | body: ${res.text.slice(0, 240)}`;
}

/** Parses one Bearer challenge: { scheme, params }. */
function parseChallenge(header) {
  if (!header) return undefined;
  const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g;
  let p;
  while ((p = re.exec(m[2])) !== null) params[p[1]] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme: m[1], params };
}

const scopeSet = (s) => new Set((s ?? '').split(' ').filter(Boolean));

function assertOk(res, label = '') {
  assert.equal(res.status, 200, `${label} expected 200: ${evidence(res)}`);
  assert.ok(res.json && !res.json.error, `${label} expected a JSON-RPC result: ${evidence(res)}`);
}

function assertInvalidToken(res, server, label = '') {
  assert.equal(res.status, 401, `${label} expected 401: ${evidence(res)}`);
  const ch = parseChallenge(res.headers['www-authenticate']);
  assert.ok(ch, `${label} WWW-Authenticate missing: ${evidence(res)}`);
  assert.equal(ch.scheme.toLowerCase(), 'bearer', `${label}: ${evidence(res)}`);
  assert.equal(ch.params.error, 'invalid_token', `${label} error param: ${evidence(res)}`);
  assert.ok(ch.params.error_description, `${label} error_description missing: ${evidence(res)}`);
  assert.equal(ch.params.resource_metadata, server.prmUrl, `${label} resource_metadata: ${evidence(res)}`);
  const body = res.json;
  assert.ok(body && body.jsonrpc === '2.0' && body.id === null && typeof body.error?.code === 'number',
    `${label} body must be a JSON-RPC error with id null: ${evidence(res)}`);
}

/** 401 without an error parameter (no credentials / non-Bearer scheme). */
function assertChallengeNoError(res, server, { scope } = {}) {
  assert.equal(res.status, 401, evidence(res));
  const ch = parseChallenge(res.headers['www-authenticate']);
  assert.ok(ch, `WWW-Authenticate missing: ${evidence(res)}`);
  assert.equal(ch.scheme, 'Bearer', evidence(res));
  assert.equal(ch.params.resource_metadata, server.prmUrl, evidence(res));
  assert.equal(ch.params.error, undefined, `no error param expected: ${evidence(res)}`);
  if (scope !== undefined) assert.equal(ch.params.scope, scope, `scope param: ${evidence(res)}`);
}

function assertInsufficientScope(res, server, mustInclude) {
  assert.equal(res.status, 403, `expected 403: ${evidence(res)}`);
  const ch = parseChallenge(res.headers['www-authenticate']);
  assert.ok(ch && ch.scheme.toLowerCase() === 'bearer', `WWW-Authenticate: ${evidence(res)}`);
  assert.equal(ch.params.error, 'insufficient_scope', evidence(res));
  assert.equal(ch.params.resource_metadata, server.prmUrl, evidence(res));
  const got = scopeSet(ch.params.scope);
  for (const s of mustInclude) assert.ok(got.has(s), `scope param lacks ${s}: ${evidence(res)}`);
}

function assertBadRequest(res) {
  assert.equal(res.status, 400, `expected 400: ${evidence(res)}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls fn every intervalMs until it returns truthy or timeoutMs passes; returns the last value. */
async function pollUntil(fn, { timeoutMs, intervalMs = 200 }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last.done || Date.now() >= deadline) return last;
    await sleep(intervalMs);
  }
}

/** Base64url that keeps its '=' padding (the text is lengthened until padding is needed). */
function paddedB64(text) {
  const t = Buffer.byteLength(text) % 3 === 0 ? text.replace(/}$/, ',"p":"1"}') : text;
  const b = Buffer.from(t).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  assert.ok(b.endsWith('='), 'padded encoding');
  return b;
}

// --- keys shared by the suites --------------------------------------------------------

const K1 = generateRsaKey('k1');
const E1 = generateEcKey('e1');
const OTHER = generateRsaKey('k1'); // same kid, different key
const K2 = generateRsaKey('k2-rotated');
const GHOST = generateRsaKey('ghost');

const ISSUER = () => `http://127.0.0.1:${oidcJwks.port}/issuer`;
const oidcJwks = new JwksServer([K1.jwk, E1.jwk]);
const attackerJwks = new JwksServer([GHOST.jwk]); // must never be contacted

// ======================================================================================
// oidc
// ======================================================================================

describe('oidc mode', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  let claims; // (overrides) => baseline claims for this server
  let good; // () => a fresh valid RS256 token, full scopes, subject alice

  before(async () => {
    await oidcJwks.start();
    await attackerJwks.start();
    server = await startServer({
      label: 'oidc',
      args: ['--auth', 'oidc', '--log-level', 'debug'],
      env: {
        OAUTH_ISSUER: ISSUER(),
        OAUTH_JWKS_URL: oidcJwks.url,
        MCP_REQUIRED_SCOPES: REQUIRED_SCOPE,
        MCP_TOOL_SCOPES: JSON.stringify(TOOL_SCOPES),
        MCP_JWKS_MIN_REFETCH_SECONDS: '1',
        MCP_JWKS_TIMEOUT_MS: '1500', // bounds the "JWKS hanging" case
      },
    });
    claims = (over = {}) => {
      const c = {
        iss: ISSUER(),
        sub: 'alice',
        aud: server.url,
        iat: now(),
        exp: now() + 300,
        scope: FULL_SCOPE,
        jti: crypto.randomUUID(),
        ...over,
      };
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
      return c;
    };
    good = (over) => mintJwt(K1, claims(over));
  });

  after(async () => {
    if (server) await server.stop();
    await oidcJwks.dispose();
    await attackerJwks.dispose();
  });

  // --- metadata and challenges -------------------------------------------------------

  for (const prm of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    it(`PRM GET ${prm}`, async (t) => {
      const res = await httpRequest(server.origin + prm, { method: 'GET', server });
      t.diagnostic(res.text);
      assert.equal(res.status, 200, evidence(res));
      assert.match(res.headers['content-type'] ?? '', /application\/json/, evidence(res));
      const doc = res.json;
      assert.equal(doc.resource, server.url, evidence(res));
      assert.deepEqual(doc.authorization_servers, [ISSUER()], evidence(res));
      assert.deepEqual(doc.bearer_methods_supported, ['header'], evidence(res));
      for (const s of [REQUIRED_SCOPE, GREET_SCOPE]) {
        assert.ok(doc.scopes_supported?.includes(s), `scopes_supported lacks ${s}: ${evidence(res)}`);
      }
    });
  }

  it('no Authorization header: 401 challenge with resource_metadata and scope, no error', async (t) => {
    const res = await mcpPost(server, {});
    t.diagnostic(evidence(res));
    assertChallengeNoError(res, server, { scope: REQUIRED_SCOPE });
  });

  it('baseline: valid RS256 token initializes and calls greet', async () => {
    const token = good();
    const init = await mcpPost(server, { token });
    assertOk(init, 'initialize');
    const sid = init.headers['mcp-session-id'];
    assert.ok(sid, 'Mcp-Session-Id');
    const call = await mcpPost(server, { token, sessionId: sid, message: greetCall() });
    assertOk(call, 'tools/call');
    assert.deepEqual(call.json.result.content, [{ type: 'text', text: 'Hello, x!' }]);
  });

  // --- hostile tokens -----------------------------------------------------------------
  // Each: the baseline succeeds first, then the case. expect: 'invalid' (401
  // invalid_token), 'ok' (200), 'basic' (401 without error), 400, 403, 'big' (401 or 431).

  const hdr = (over = {}) => JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1', ...over });
  const rawSigned = (headerText, payloadText) =>
    mintRaw({ headerText, payloadText, alg: 'RS256', key: K1.privateKey });
  const cases = [
    ['alg none, empty signature', 'invalid', (c) => ({ token: mintRaw({ headerText: hdr({ alg: 'none' }), payloadText: JSON.stringify(c()), signature: Buffer.alloc(0) }) })],
    ['alg none, no kid', 'invalid', (c) => ({ token: mintRaw({ headerText: '{"alg":"none"}', payloadText: JSON.stringify(c()), signature: Buffer.alloc(0) }) })],
    ['HS256 keyed with the RSA public key (PEM)', 'invalid', (c) => ({ token: mintJwt(K1, c(), { alg: 'HS256', signWith: K1.publicPem }) })],
    ['HS256 keyed with the RSA public key (JWK n bytes)', 'invalid', (c) => ({ token: mintJwt(K1, c(), { alg: 'HS256', signWith: unb64url(K1.jwk.n) }) })],
    ['unknown kid', 'invalid', (c) => ({ token: mintJwt({ ...K1, kid: 'no-such-kid' }, c()) })],
    ['no kid at all', 'invalid', (c) => ({ token: mintJwt(K1, c(), { header: { kid: undefined } }) })],
    ['wrong key, same kid', 'invalid', (c) => ({ token: mintJwt(K1, c(), { signWith: OTHER.privateKey }) })],
    ['signature byte flipped', 'invalid', (c) => ({ token: flipSignatureByte(mintJwt(K1, c())) })],
    ['signature removed (header.payload.)', 'invalid', (c) => ({ token: mintJwt(K1, c()).replace(/\.[^.]*$/, '.') })],
    ['expired (exp = now-120)', 'invalid', (c) => ({ token: mintJwt(K1, c({ exp: now() - 120, iat: now() - 600 })) })],
    ['not yet valid (nbf = now+300)', 'invalid', (c) => ({ token: mintJwt(K1, c({ nbf: now() + 300 })) })],
    ['iat in the future (now+300)', 'invalid', (c) => ({ token: mintJwt(K1, c({ iat: now() + 300 })) })],
    ['wrong iss', 'invalid', (c) => ({ token: mintJwt(K1, c({ iss: 'https://evil.example' })) })],
    ['iss with trailing slash', 'invalid', (c) => ({ token: mintJwt(K1, c({ iss: ISSUER() + '/' })) })],
    ['wrong aud', 'invalid', (c) => ({ token: mintJwt(K1, c({ aud: 'https://other.example/mcp' })) })],
    ['aud missing', 'invalid', (c) => ({ token: mintJwt(K1, c({ aud: undefined })) })],
    ['exp missing', 'invalid', (c) => ({ token: mintJwt(K1, c({ exp: undefined })) })],
    ['sub missing', 'invalid', (c) => ({ token: mintJwt(K1, c({ sub: undefined })) })],
    ['exp as a string', 'invalid', (c) => ({ token: mintJwt(K1, c({ exp: String(now() + 300) })) })],
    ['malformed base64: padded payload segment', 'invalid', (c) => ({ token: mintRaw({ headerB64: b64url(hdr()), payloadB64: paddedB64(JSON.stringify(c())), alg: 'RS256', key: K1.privateKey }) })],
    ['malformed base64: "*" in payload segment', 'invalid', (c) => { const p = b64url(JSON.stringify(c())); return { token: mintRaw({ headerB64: b64url(hdr()), payloadB64: `${p.slice(0, 10)}*${p.slice(10)}`, alg: 'RS256', key: K1.privateKey }) }; }],
    ['malformed base64: standard alphabet (+/) in signature', 'invalid', (c) => { const t = mintJwt(K1, c()); const [h, p, s] = t.split('.'); return { token: `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}` }; }],
    ['header not JSON', 'invalid', (c) => ({ token: rawSigned('not json', JSON.stringify(c())) })],
    ['header a JSON array', 'invalid', (c) => ({ token: rawSigned('["RS256"]', JSON.stringify(c())) })],
    ['payload not an object (array)', 'invalid', () => ({ token: rawSigned(hdr(), '["alice"]') })],
    ['payload not an object (string)', 'invalid', () => ({ token: rawSigned(hdr(), '"alice"') })],
    ['payload not JSON', 'invalid', () => ({ token: rawSigned(hdr(), '{"sub":"alice",') })],
    ['duplicate claim "sub"', 'invalid', (c) => ({ token: rawSigned(hdr(), JSON.stringify(c()).replace(/}$/, ',"sub":"mallory"}')) })],
    ['duplicate claim "iss"', 'invalid', (c) => ({ token: rawSigned(hdr(), JSON.stringify(c()).replace(/^{/, '{"iss":"https://evil.example",')) })],
    ['header with duplicate "alg" (none, then RS256)', 'invalid', (c) => ({ token: rawSigned('{"alg":"none","kid":"k1","alg":"RS256"}', JSON.stringify(c())) })],
    ['header with unknown crit extension', 'invalid', (c) => ({ token: mintJwt(K1, c(), { header: { crit: ['x-must-understand'], 'x-must-understand': true } }) })],
    ['RS256 header whose kid names the EC key', 'invalid', (c) => ({ token: mintJwt(E1, c(), { alg: 'RS256', signWith: K1.privateKey }) })],
    ['ES256 header whose kid names the RSA key', 'invalid', (c) => ({ token: mintJwt(K1, c(), { alg: 'ES256', signWith: E1.privateKey }) })],
    ['PS256 with the RS256 key', 'invalid', (c) => ({ token: mintJwt(K1, c(), { alg: 'PS256' }) })],
    ['embedded "jwk" header with the signing key (CVE-2018-0114)', 'invalid', (c) => ({ token: mintJwt(GHOST, c(), { header: { jwk: GHOST.jwk } }) })],
    ['"jku" header pointing at an attacker JWKS', 'invalid', (c) => ({ token: mintJwt(GHOST, c(), { header: { jku: attackerJwks.url } }) })],
    ['"x5u" header pointing at an attacker URL', 'invalid', (c) => ({ token: mintJwt(GHOST, c(), { header: { x5u: attackerJwks.url } }) })],
    ['kid with path traversal', 'invalid', (c) => ({ token: mintJwt({ ...K1, kid: '../../../../etc/passwd' }, c()) })],
    ['kid a number', 'invalid', (c) => ({ token: mintRaw({ headerText: '{"alg":"RS256","kid":1}', payloadText: JSON.stringify(c()), alg: 'RS256', key: K1.privateKey }) })],
    ['two segments only', 'invalid', (c) => ({ token: mintJwt(K1, c()).split('.').slice(0, 2).join('.') })],
    ['four segments', 'invalid', (c) => ({ token: `${mintJwt(K1, c())}.AAAA` })],
    ['not a JWT at all', 'invalid', () => ({ token: 'opaque-token-value-0123456789' })],
    ['20 KB validly signed token', 'big', (c) => ({ token: mintJwt(K1, c({ pad: 'x'.repeat(20_000) })) })],
    ['20 KB garbage Authorization line', 'big', () => ({ authorization: `Bearer ${'a'.repeat(20_000)}` })],
    ['"Bearer" with no token', 'invalid', () => ({ authorization: 'Bearer' })],
    ['"Bearer " and spaces only', 'invalid', () => ({ authorization: 'Bearer    ' })],
    ['Basic scheme', 'basic', () => ({ authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` })],
    ['two Authorization headers (both valid)', 400, (c) => ({ authorization: [`Bearer ${mintJwt(K1, c())}`, `Bearer ${mintJwt(K1, c())}`] })],
    ['token in the query string only', 400, (c) => ({ query: `?access_token=${mintJwt(K1, c())}` })],
    ['token in the query string plus a valid header', 400, (c) => ({ token: mintJwt(K1, c()), query: `?access_token=${mintJwt(K1, c())}` })],
    ['lowercase "bearer" scheme', 'ok', (c) => ({ authorization: `bearer ${mintJwt(K1, c())}` })],
    ['ES256 token, EC P-256 key in the JWKS', 'ok', (c) => ({ token: mintJwt(E1, c()) })],
    ['expiry leeway: exp = now-30', 'ok', (c) => ({ token: mintJwt(K1, c({ exp: now() - 30, iat: now() - 600 })) })],
    ['leeway: nbf = now+30', 'ok', (c) => ({ token: mintJwt(K1, c({ nbf: now() + 30 })) })],
    ['aud as an array containing the resource', 'ok', (c) => ({ token: mintJwt(K1, c({ aud: ['https://other.example', server.url] })) })],
    ['aud with a trailing slash (normalised)', 'ok', (c) => ({ token: mintJwt(K1, c({ aud: server.url + '/' })) })],
  ];

  for (const [name, expect, build] of cases) {
    it(`token: ${name}`, async (t) => {
      assertOk(await mcpPost(server, { token: good() }), 'baseline');
      const { token, authorization, query } = build(claims);
      const res = await mcpPost(server, { token, authorization, query, what: `hostile: ${name}` });
      t.diagnostic(evidence(res));
      if (expect === 'invalid') assertInvalidToken(res, server, name);
      else if (expect === 'ok') assertOk(res, name);
      else if (expect === 'basic') assertChallengeNoError(res, server);
      else if (expect === 'big') {
        assert.ok(res.status === 401 || res.status === 431, `expected 401 or 431: ${evidence(res)}`);
        if (res.status === 401) assertInvalidToken(res, server, name);
      } else if (expect === 400) {
        assertBadRequest(res);
        if (query !== undefined) {
          const ch = parseChallenge(res.headers['www-authenticate']);
          assert.equal(ch?.params.error, 'invalid_request', `error="invalid_request" expected: ${evidence(res)}`);
        }
      } else assert.fail(`bad expectation ${expect}`);
      // The server is still healthy afterwards.
      assertOk(await mcpPost(server, { token: good() }), 'baseline after');
    });
  }

  it('jku/x5u: the attacker URL was never fetched', () => {
    assert.equal(attackerJwks.requests, 0, 'the server followed a token-supplied key URL');
  });

  it('GET (listen stream) and DELETE /mcp need a token too', async (t) => {
    const sid = (await mcpPost(server, { token: good() })).headers['mcp-session-id'];
    for (const method of ['GET', 'DELETE']) {
      const res = await httpRequest(server.url, {
        method,
        headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': PROTOCOL },
        server,
      });
      t.diagnostic(`${method}: ${evidence(res)}`);
      assertChallengeNoError(res, server, { scope: REQUIRED_SCOPE });
    }
  });

  // --- scopes -------------------------------------------------------------------------

  it('scope: token lacking the required scope → 403 on initialize', async () => {
    const res = await mcpPost(server, { token: good({ scope: 'other:thing' }) });
    assertInsufficientScope(res, server, [REQUIRED_SCOPE, 'other:thing']);
  });

  it('scope: token with no scope claim → 403', async () => {
    const res = await mcpPost(server, { token: good({ scope: undefined }) });
    assertInsufficientScope(res, server, [REQUIRED_SCOPE]);
  });

  it('scope: required scope only → initialize/tools/list 200, tools/call greet 403 with needed ∪ granted', async (t) => {
    const token = good({ scope: `${REQUIRED_SCOPE} extra:granted` });
    const init = await mcpPost(server, { token });
    assertOk(init, 'initialize');
    const sid = init.headers['mcp-session-id'];
    assertOk(await mcpPost(server, { token, sessionId: sid, message: toolsList }), 'tools/list');
    const res = await mcpPost(server, { token, sessionId: sid, message: greetCall() });
    t.diagnostic(evidence(res));
    assertInsufficientScope(res, server, [REQUIRED_SCOPE, GREET_SCOPE, 'extra:granted']);
    // The same session with the greet scope (same subject) may call it.
    const ok = await mcpPost(server, { token: good(), sessionId: sid, message: greetCall() });
    assertOk(ok, 'tools/call with greet scope');
  });

  // --- session binding ----------------------------------------------------------------

  it('session bound to its subject: B → 404, no token → 401, A → 200', async () => {
    const alice = good({ sub: 'alice' });
    const bob = good({ sub: 'bob' });
    const init = await mcpPost(server, { token: alice });
    assertOk(init, 'initialize as alice');
    const sid = init.headers['mcp-session-id'];
    assert.ok(sid);
    const asBob = await mcpPost(server, { token: bob, sessionId: sid, message: greetCall() });
    assert.equal(asBob.status, 404, `bob on alice's session: ${evidence(asBob)}`);
    const anon = await mcpPost(server, { sessionId: sid, message: greetCall() });
    assertChallengeNoError(anon, server);
    const asAlice = await mcpPost(server, { token: good({ sub: 'alice' }), sessionId: sid, message: greetCall() });
    assertOk(asAlice, 'alice (fresh token) on her session');
  });

  // --- JWKS rotation, rate limit and outages (mutate the key server; run last) --------

  it('unknown kids: refetch is rate-limited (≤ 2 fetches for 12 requests within ~1 s)', async (t) => {
    await sleep(1100); // let any earlier refetch window pass
    const before = oidcJwks.requests;
    const results = [];
    const tokens = Array.from({ length: 12 }, (_, i) => mintJwt({ ...GHOST, kid: `ghost-${i}` }, claims()));
    for (const token of tokens) results.push(await mcpPost(server, { token, what: 'unknown kid burst' }));
    for (const r of results) assertInvalidToken(r, server, 'unknown kid');
    const fetched = oidcJwks.requests - before;
    t.diagnostic(`${fetched} JWKS fetch(es) for 12 unknown-kid requests`);
    assert.ok(fetched >= 1, `an unknown kid should trigger a refetch (got ${fetched})`);
    assert.ok(fetched <= 2, `refetch not rate-limited: ${fetched} JWKS fetches`);
  });

  it('rotation: a new kid is accepted once the JWKS lists it', async (t) => {
    const token = mintJwt(K2, claims());
    assertInvalidToken(await mcpPost(server, { token }), server, 'k2 before publication');
    const published = Date.now();
    oidcJwks.setKeys([K1.jwk, E1.jwk, K2.jwk]);
    const last = await pollUntil(
      async () => {
        const res = await mcpPost(server, { token: mintJwt(K2, claims()), what: 'rotation poll' });
        return { done: res.status === 200, res };
      },
      { timeoutMs: 5000, intervalMs: 200 },
    );
    assertOk(last.res, `k2 after publication (${Date.now() - published} ms)`);
    t.diagnostic(`new kid accepted ${Date.now() - published} ms after publication`);
    assertOk(await mcpPost(server, { token: good() }), 'k1 still accepted');
  });

  it('JWKS server down mid-run: known kids keep working, unknown kid → 401', async () => {
    await oidcJwks.stop();
    try {
      assertOk(await mcpPost(server, { token: good() }), 'k1 while JWKS down');
      assertOk(await mcpPost(server, { token: mintJwt(K2, claims()) }), 'k2 while JWKS down');
      assertInvalidToken(await mcpPost(server, { token: mintJwt(GHOST, claims()) }), server, 'unknown kid while down');
      await sleep(1100); // past the min refetch interval: this one really tries (and fails) to fetch
      assertInvalidToken(await mcpPost(server, { token: mintJwt(GHOST, claims()) }), server, 'unknown kid, failed refetch');
      assertOk(await mcpPost(server, { token: good() }), 'k1 after a failed refetch (last good set kept)');
    } finally {
      await oidcJwks.restart();
    }
  });

  it('JWKS answering garbage / 500: last good set kept, unknown kid → 401', async () => {
    for (const mode of ['garbage', 'error']) {
      oidcJwks.setMode(mode);
      await sleep(1100);
      const before = oidcJwks.requests;
      assertInvalidToken(await mcpPost(server, { token: mintJwt(GHOST, claims()) }), server, `unknown kid, JWKS ${mode}`);
      assert.ok(oidcJwks.requests > before, `server refetched during ${mode}`);
      assertOk(await mcpPost(server, { token: good() }), `k1 after JWKS ${mode}`);
    }
    oidcJwks.setMode('ok');
  });

  it('JWKS hanging: unknown kid → 401 within the fetch timeout, known kid unaffected', async (t) => {
    oidcJwks.setMode('hang');
    try {
      await sleep(1100);
      const started = Date.now();
      const pending = mcpPost(server, { token: mintJwt(GHOST, claims()), what: 'unknown kid, JWKS hanging' });
      pending.catch(() => {}); // awaited below; never an unhandled rejection if we fail first
      await sleep(100);
      assertOk(await mcpPost(server, { token: good() }), 'k1 while a JWKS fetch hangs');
      const res = await pending;
      assertInvalidToken(res, server, `unknown kid, JWKS hanging (${Date.now() - started} ms)`);
      t.diagnostic(`answered after ${Date.now() - started} ms: ${evidence(res)}`);
    } finally {
      oidcJwks.setMode('ok');
      // Drop the hung exchange so the server's socket closes.
      await oidcJwks.stop();
      await oidcJwks.restart();
    }
  });

  it('exits 0 on SIGTERM and never logged a token', async () => {
    const problems = await finishServer(server);
    assert.deepEqual(problems, []);
  });
});

// ======================================================================================
// JWKS down at start
// ======================================================================================

describe('oidc mode, JWKS down at start', { timeout: SUITE_TIMEOUT_MS }, () => {
  const D1 = generateRsaKey('d1');
  const D2 = generateRsaKey('d2');
  let jwks;
  let server;
  const issuer = 'https://idp.example.com/tenant';
  const token = (key = D1) =>
    mintJwt(key, { iss: issuer, sub: 'carol', aud: server.url, iat: now(), exp: now() + 300, jti: crypto.randomUUID() });

  before(async () => {
    jwks = await reserveStoppedJwksServer([D1.jwk]);
    server = await startServer({
      label: 'jwks-down',
      args: ['--auth', 'oidc', '--log-level', 'debug'],
      env: {
        OAUTH_ISSUER: issuer,
        OAUTH_JWKS_URL: jwks.url,
        MCP_JWKS_MIN_REFETCH_SECONDS: '1',
        MCP_JWKS_CACHE_SECONDS: '2',
      },
    });
  });

  after(async () => {
    if (server) await server.stop();
    await jwks?.dispose();
  });

  it('valid token while the JWKS was never fetched → 503 with Retry-After', async (t) => {
    const res = await mcpPost(server, { token: token(), expected5xx: true });
    t.diagnostic(evidence(res));
    assert.equal(res.status, 503, evidence(res));
    assert.ok(res.headers['retry-after'], `Retry-After missing: ${evidence(res)}`);
  });

  it('logs a clear line about the unreachable key set', async (t) => {
    // The line may reach our pipe reader a moment after the 503 response.
    const find = () => server.lines.find((l) => /jwks|key set|signing keys/i.test(l) && /"level":"(warn|error)"/.test(l));
    const { line } = await pollUntil(async () => ({ done: !!find(), line: find() }), { timeoutMs: 3000, intervalMs: 50 });
    assert.ok(line, `no warn/error log line about the JWKS:\n${server.lines.join('\n')}`);
    t.diagnostic(line);
  });

  it('once the JWKS server is up, requests succeed', async (t) => {
    await jwks.restart();
    const started = Date.now();
    const last = await pollUntil(
      async () => {
        const res = await mcpPost(server, { token: token(), what: 'recovery poll', expected5xx: true });
        return { done: res.status === 200, res };
      },
      { timeoutMs: 6000, intervalMs: 200 },
    );
    assertOk(last.res, `after the JWKS came up (${Date.now() - started} ms)`);
    t.diagnostic(`accepted ${Date.now() - started} ms after the JWKS server came up`);
  });

  it('a key removed from the JWKS stops being accepted after the cache TTL (fresh tokens)', async (t) => {
    jwks.setKeys([D2.jwk]);
    const started = Date.now();
    const last = await pollUntil(
      async () => {
        const res = await mcpPost(server, { token: token(D1), what: 'key removal poll' });
        return { done: res.status === 401, res };
      },
      { timeoutMs: 6000, intervalMs: 300 },
    );
    assertInvalidToken(last.res, server, `removed key d1 (${Date.now() - started} ms)`);
    t.diagnostic(`removed key rejected after ${Date.now() - started} ms: ${evidence(last.res)}`);
    assertOk(await mcpPost(server, { token: token(D2) }), 'new key d2');
  });

  it('exits 0 on SIGTERM and never logged a token', async () => {
    const problems = await finishServer(server);
    assert.deepEqual(problems, []);
  });
});

// ======================================================================================
// cognito
// ======================================================================================

describe('cognito mode', { timeout: SUITE_TIMEOUT_MS }, () => {
  const C1 = generateRsaKey('cognito-access-key');
  const CID = generateRsaKey('cognito-id-key');
  const jwks = new JwksServer([C1.jwk, CID.jwk]);
  let server;
  const access = (over = {}) => {
    const c = {
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'cognito:groups': ['testgroup'],
      iss: COGNITO_ISSUER,
      version: 2,
      client_id: 'client-a',
      origin_jti: crypto.randomUUID(),
      event_id: crypto.randomUUID(),
      token_use: 'access',
      scope: 'openid profile',
      auth_time: now() - 10,
      iat: now() - 10,
      exp: now() + 3600,
      jti: crypto.randomUUID(),
      username: 'my-test-user',
      ...over,
    };
    for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
    return mintJwt(C1, c, { header: { typ: undefined } });
  };

  before(async () => {
    await jwks.start();
    server = await startServer({
      label: 'cognito',
      args: ['--auth', 'cognito', '--log-level', 'debug'],
      env: {
        COGNITO_REGION: 'us-east-1',
        COGNITO_USER_POOL_ID: 'us-east-1_Example',
        COGNITO_ALLOWED_CLIENT_IDS: 'client-a,client-b',
        OAUTH_ISSUER: COGNITO_ISSUER,
        OAUTH_JWKS_URL: jwks.url,
        MCP_JWKS_MIN_REFETCH_SECONDS: '1',
      },
    });
  });

  after(async () => {
    if (server) await server.stop();
    await jwks.dispose();
  });

  it('PRM names the resource and an authorization server', async () => {
    const res = await httpRequest(server.prmUrl, { method: 'GET', server });
    assert.equal(res.status, 200, evidence(res));
    assert.equal(res.json?.resource, server.url, evidence(res));
    assert.ok(Array.isArray(res.json?.authorization_servers) && res.json.authorization_servers.length >= 1, evidence(res));
    assert.deepEqual(res.json.bearer_methods_supported, ['header'], evidence(res));
  });

  it('no token → 401 challenge', async () => {
    assertChallengeNoError(await mcpPost(server, {}), server);
  });

  const cases = [
    ['access token, client-a', 'ok', () => access()],
    ['access token, client-b', 'ok', () => access({ client_id: 'client-b' })],
    ['access token with aud = this resource', 'ok', () => access({ aud: server.url })],
    ['access token with a foreign aud', 'invalid', () => access({ aud: 'https://api.other.example' })],
    ['ID token (token_use id, aud = client id)', 'invalid', () => mintJwt(CID, {
      at_hash: 'x', sub: 'aaaaaaaa-bbbb', 'cognito:groups': ['g'], email_verified: true, iss: COGNITO_ISSUER,
      'cognito:username': 'my-test-user', origin_jti: 'o', aud: 'client-a', event_id: 'e', token_use: 'id',
      auth_time: now() - 10, exp: now() + 3600, iat: now() - 10, jti: crypto.randomUUID(), email: 'a@example.com',
    }, { header: { typ: undefined } })],
    ['ID-shaped token with client_id too (token_use id)', 'invalid', () => access({ token_use: 'id', aud: 'client-a' })],
    ['client id not allowed', 'invalid', () => access({ client_id: 'client-z' })],
    ['client id prefix of an allowed one', 'invalid', () => access({ client_id: 'client' })],
    ['missing client_id', 'invalid', () => access({ client_id: undefined })],
    ['missing token_use', 'invalid', () => access({ token_use: undefined })],
    ['wrong iss (other pool)', 'invalid', () => access({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' })],
    ['expired', 'invalid', () => access({ exp: now() - 120 })],
  ];
  for (const [name, expect, build] of cases) {
    it(`token: ${name}`, async (t) => {
      assertOk(await mcpPost(server, { token: access() }), 'baseline');
      const res = await mcpPost(server, { token: build(), what: `cognito: ${name}` });
      t.diagnostic(evidence(res));
      if (expect === 'ok') assertOk(res, name);
      else assertInvalidToken(res, server, name);
    });
  }

  it('session bound to the Cognito subject', async () => {
    const init = await mcpPost(server, { token: access() });
    assertOk(init, 'initialize');
    const sid = init.headers['mcp-session-id'];
    const other = await mcpPost(server, { token: access({ sub: 'ffffffff-0000' }), sessionId: sid, message: greetCall() });
    assert.equal(other.status, 404, evidence(other));
    assertOk(await mcpPost(server, { token: access(), sessionId: sid, message: greetCall() }), 'same subject');
  });

  it('exits 0 on SIGTERM and never logged a token', async () => {
    const problems = await finishServer(server);
    assert.deepEqual(problems, []);
  });
});

// ======================================================================================
// --auth none
// ======================================================================================

describe('auth none', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer({ label: 'none', args: ['--auth', 'none'] });
  });
  after(async () => {
    if (server) await server.stop();
  });

  it('serves without a token on loopback', async () => {
    assertOk(await mcpPost(server, {}), 'initialize without a token');
  });

  it('exits 0 on SIGTERM', async () => {
    assert.deepEqual(await finishServer(server), []);
  });
});

// ======================================================================================
// configuration errors
// ======================================================================================

describe('configuration errors exit 2', { timeout: SUITE_TIMEOUT_MS }, () => {
  const loopJwks = 'http://127.0.0.1:9/jwks.json';
  const configCases = [
    ['--auth oidc without OAUTH_ISSUER', ['--auth', 'oidc'], { OAUTH_JWKS_URL: loopJwks }, /OAUTH_ISSUER|issuer/i],
    ['MCP_AUTH=oidc (env) without OAUTH_ISSUER', [], { MCP_AUTH: 'oidc', OAUTH_JWKS_URL: loopJwks }, /OAUTH_ISSUER|issuer/i],
    ['http:// non-loopback OAUTH_JWKS_URL', ['--auth', 'oidc'], { OAUTH_ISSUER: 'https://idp.example.com', OAUTH_JWKS_URL: 'http://idp.example.com/jwks.json' }, /https|OAUTH_JWKS_URL|jwks/i],
    ['http:// non-loopback OAUTH_ISSUER', ['--auth', 'oidc'], { OAUTH_ISSUER: 'http://idp.example.com', OAUTH_JWKS_URL: loopJwks }, /https|OAUTH_ISSUER|issuer/i],
    ['--auth none --host 0.0.0.0 without --allow-insecure-public', ['--auth', 'none', '--host', '0.0.0.0'], {}, /allow-insecure-public/],
    ['MCP_TOOL_SCOPES a JSON array', ['--auth', 'oidc'], { OAUTH_ISSUER: 'https://idp.example.com', OAUTH_JWKS_URL: loopJwks, MCP_TOOL_SCOPES: '["greet"]' }, /MCP_TOOL_SCOPES/],
    ['MCP_TOOL_SCOPES not JSON', ['--auth', 'oidc'], { OAUTH_ISSUER: 'https://idp.example.com', OAUTH_JWKS_URL: loopJwks, MCP_TOOL_SCOPES: 'greet=greet:run' }, /MCP_TOOL_SCOPES/],
    ['--auth oidc on 0.0.0.0 without a configured audience or public URL', ['--auth', 'oidc', '--host', '0.0.0.0'], { OAUTH_ISSUER: 'https://idp.example.com', OAUTH_JWKS_URL: loopJwks }, /public-url|audience/i],
    ['--auth with an unknown mode', ['--auth', 'magic'], {}, /auth|magic/i],
    ['--auth cognito without pool settings', ['--auth', 'cognito'], {}, /COGNITO/],
  ];
  for (const [name, args, env, pattern, codeRule = 2] of configCases) {
    it(name, async (t) => {
      const r = await runToExit({ args: ['--port', '0', ...args], env });
      const shown = `code ${r.code}, signal ${r.signal}, started=${r.started}\nstderr: ${r.stderr.slice(0, 600)}\nstdout: ${r.stdout.slice(0, 600)}`;
      t.diagnostic(`exit ${r.code}: ${r.stderr.trim().split('\n')[0]}`);
      assert.equal(r.started, false, `server started: ${shown}`);
      if (codeRule === 'nonzero') assert.ok(r.code !== 0 && r.code !== null, shown);
      else assert.equal(r.code, 2, shown);
      assert.match(r.stderr, pattern, `stderr should explain the problem: ${shown}`);
    });
  }
});
