// End-to-end OAuth of our mcp-client CLI with real peers: a real authorization
// server (oidc-provider in "mcp" mode, see oidc-provider.mjs) and our mcp-server
// with --auth oidc. The test plays the user with a browser: the client cannot open
// one (its PATH has no xdg-open), so it prints the authorization URL and waits on
// its loopback redirect listener (OAUTH_REDIRECT_URI = a free 127.0.0.1 port); the
// test submits the provider's login and consent forms over HTTP (driveLogin) and
// then GETs the redirect, as the browser would.
//
//   1. auth login: discovery, dynamic registration, PKCE, the printed URL, the
//      loopback redirect, exit 0; the token files are 0600 in a 0700 directory and
//      no token appears on stdout/stderr (not even with --debug).
//   2. call-tool greet with the stored token; auth status (subject, expiry).
//   3. the stored expiry rewritten into the past: the next call refreshes
//      (refresh_token grant at the provider, a new access token in the file);
//      auth refresh does it on demand.
//   4. auth logout: the refresh token is revoked at the provider (it no longer
//      works there) and the token file is deleted.
//   5. afterwards a one-shot call with --no-browser and stdin closed fails with
//      exit 4 (no login possible), a rejected ACCESS_TOKEN is exit 4, and a call in
//      browser mode logs in again on the server's 401 and then succeeds.
//
// Every process and port is on 127.0.0.1, every wait is bounded, everything started
// is stopped in after(), and a watchdog caps the file.
//
// Run: tests/interop/run-suite.sh BIN_DIR client-oauth-e2e.mjs (BIN_DIR holds mcp-client
// and mcp-server). Skips when a binary is missing or mcp-server lacks --auth.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { startProvider, driveLogin, decodeJwt, CookieJar } from './oidc-provider.mjs';
import { freePort, serverHelp, startServer, stopProcess } from './processes.mjs';
import { binaryMissing, clientBinary, makeHome, runClient, serverBinary, show, spawnClient } from './client-cli.mjs';

const CLIENT_BIN = clientBinary();
const SERVER_BIN = serverBinary(CLIENT_BIN);

const RUN_TIMEOUT_MS = 30_000; // one client run
const LOGIN_WAIT_MS = 15_000; // the client prints the authorization URL within this
const REQUEST_TIMEOUT_MS = 10_000; // raw HTTP requests of the test
const TEST_TIMEOUT_MS = 150_000;
const WATCHDOG_MS = 180_000;

const HELP = serverHelp(SERVER_BIN);
const skip =
  binaryMissing(CLIENT_BIN) ||
  binaryMissing(SERVER_BIN) ||
  (!/--auth\b/.test(HELP ?? '') && `${SERVER_BIN} has no --auth option`);

const cleanups = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
});
setTimeout(() => {
  console.error(`client-oauth-e2e: watchdog fired after ${WATCHDOG_MS} ms, aborting`);
  process.exit(1);
}, WATCHDOG_MS).unref();

const mode = async (p) => (await stat(p)).mode & 0o777;
const octal = (m) => `0${m.toString(8)}`;

test('mcp-client: browser login, stored tokens, refresh, logout against oidc-provider + mcp-server --auth oidc', {
  timeout: TEST_TIMEOUT_MS,
  skip,
}, async (t) => {
  // --- peers ---------------------------------------------------------------------------
  const providerLog = [];
  const as = await startProvider({ mode: 'mcp', log: (line) => providerLog.push(line) });
  cleanups.push(() => as.close());
  const grants = []; // grant_type of every successful token request
  as.provider.on('grant.success', (ctx) => grants.push(ctx.oidc.params.grant_type));
  const md = await as.metadata();

  const server = await startServer(SERVER_BIN, ['--port', '0', '--auth', 'oidc'], {
    OAUTH_ISSUER: as.issuer,
    MCP_REQUIRED_SCOPES: 'mcp:tools',
  });
  cleanups.push(() => stopProcess(server.proc));
  const url = server.url.href;

  const home = await makeHome('client-oauth');
  cleanups.push(() => home.remove());
  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  // No xdg-open on PATH: the client prints the URL instead of opening a browser.
  const env = { OAUTH_REDIRECT_URI: redirectUri, PATH: home.emptyBin };
  const oauthDir = path.join(home.clientDir, 'oauth');

  const runs = []; // every client run, for the token-leak check and diagnostics
  const client = async (args, options = {}) => {
    const r = await runClient(CLIENT_BIN, ['--url', url, '--timeout', '10', ...args], {
      home,
      env,
      timeoutMs: RUN_TIMEOUT_MS,
      ...options,
    });
    runs.push(r);
    return r;
  };
  const ok = (r) => {
    assert.equal(r.timedOut, false, `the client hung:\n${show(r)}`);
    assert.equal(r.code, 0, `expected exit 0:\n${show(r)}`);
    return r;
  };

  /** Plays the browser for a client waiting for its login: returns the authorization URL. */
  const browserLogin = async (live) => {
    const m = await live.waitFor(/(https?:\/\/\S*[?&]code_challenge=\S+)/, 'stderr', LOGIN_WAIT_MS);
    const authUrl = new URL(m[1]);
    const login = await driveLogin(authUrl, { redirectUrl: redirectUri, jar: new CookieJar() });
    assert.ok(login.code, `a code in the redirect ${login.location}`);
    // The browser follows the redirect to the client's loopback listener.
    const page = await fetch(login.location, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await page.text();
    assert.equal(page.status, 200, body);
    assert.match(body, /complete/i, `the listener's success page: ${body}`);
    return authUrl;
  };

  const tokenFiles = async () => (await readdir(oauthDir).catch(() => [])).filter((f) => /^tokens-.*\.json$/.test(f));
  const readTokens = async () => {
    const files = await tokenFiles();
    assert.equal(files.length, 1, `one token file in ${oauthDir}: ${files}`);
    const file = path.join(oauthDir, files[0]);
    return { file, doc: JSON.parse(await readFile(file, 'utf8')) };
  };

  let failed = false;
  const step = (name, fn) =>
    t.test(name, { skip: failed ? 'an earlier step failed' : false }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });
  const secrets = new Set(); // every token seen in the files

  try {
    await step('without a login the server answers 401 and a --no-browser call fails with exit 4', async () => {
      const r = await client(['--no-browser', 'call-tool', 'greet', '{"name":"x"}']);
      assert.equal(r.timedOut, false, show(r));
      assert.equal(r.code, 4, show(r));
      assert.match(r.stderr, /auth/i, show(r));
    });

    let authUrl;
    await step('auth login: prints the URL, receives the redirect on its loopback listener, exit 0', async () => {
      const live = spawnClient(CLIENT_BIN, ['--url', url, '--timeout', '10', 'auth', 'login'], {
        home,
        env,
        timeoutMs: RUN_TIMEOUT_MS,
      });
      try {
        authUrl = await browserLogin(live);
      } finally {
        const r = await live.done;
        runs.push(r);
        ok(r);
        assert.match(r.stdout, /logged in/i, show(r));
        assert.match(r.stdout, /alice/, `the subject:\n${show(r)}`);
      }
      const q = authUrl.searchParams;
      assert.equal(authUrl.origin + authUrl.pathname, md.authorization_endpoint);
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.ok(q.get('code_challenge'));
      assert.ok(q.get('state'));
      assert.equal(q.get('redirect_uri'), redirectUri);
      assert.equal(q.get('resource'), url);
      assert.ok((q.get('scope') ?? '').split(' ').includes('mcp:tools'), `scope ${q.get('scope')}`);
      assert.ok(as.requests.some((e) => e.method === 'POST' && e.path === new URL(md.registration_endpoint).pathname && e.status === 201),
        'dynamic client registration at the provider');
      assert.deepEqual(grants, ['authorization_code']);
    });

    await step('token files: 0600 in a 0700 directory, for this server, with a refresh token', async () => {
      assert.equal(octal(await mode(oauthDir)), '0700', oauthDir);
      const all = await readdir(oauthDir);
      assert.ok(all.length >= 1, `files in ${oauthDir}`);
      for (const f of all) {
        assert.ok(!/\.tmp-/.test(f), `no temporary file left: ${f}`);
        assert.equal(octal(await mode(path.join(oauthDir, f))), '0600', f);
      }
      const { doc } = await readTokens();
      assert.equal(doc.mcp_url, url);
      assert.equal(doc.issuer, as.issuer);
      assert.equal(doc.resource, url);
      assert.ok(doc.access_token && doc.refresh_token, 'access and refresh token stored');
      assert.equal(decodeJwt(doc.access_token).payload.aud, url);
      assert.ok(Number.isInteger(doc.expires_at) && doc.expires_at > Date.now() / 1000, `expires_at ${doc.expires_at}`);
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (doc[k]) secrets.add(doc[k]);
    });

    // History and tokens live here: the directory itself is private too.
    await step('the configuration directory is private (0700)', async () => {
      assert.equal(octal(await mode(home.clientDir)), '0700', home.clientDir);
    });

    await step('call-tool greet uses the stored token', async () => {
      const before = (await readTokens()).doc.access_token;
      const r = ok(await client(['call-tool', 'greet', '{"name":"x"}']));
      assert.match(r.stdout, /Hello, x!/, show(r));
      assert.equal((await readTokens()).doc.access_token, before, 'no refresh needed');
      assert.deepEqual(grants, ['authorization_code'], 'no new token request');
    });

    await step('--debug trace shows no token', async () => {
      const r = ok(await client(['--debug', 'list-tools']));
      assert.match(r.stdout, /greet/);
      assert.ok(r.stderr.length > 0, 'a trace on stderr');
    });

    await step('auth status: authenticated, subject, expiry (text and --json)', async () => {
      const r = ok(await client(['auth', 'status']));
      assert.match(r.stdout, /Authenticated/, show(r));
      assert.match(r.stdout, /alice/, `the subject:\n${show(r)}`);
      assert.match(r.stdout, /expires in \d+ minutes?/i, show(r));
      const j = JSON.parse(ok(await client(['--json', 'auth', 'status'])).stdout);
      assert.equal(j.authenticated, true);
      assert.match(j.subject, /alice/);
      assert.equal(j.refreshable, true);
      assert.equal(j.issuer, as.issuer);
      const left = j.expiresAt - Date.now() / 1000;
      assert.ok(left > 200 && left <= 301, `expiresAt ${j.expiresAt} (${left.toFixed(0)} s left; the provider issues 300 s tokens)`);
    });

    await step('an expired stored token is refreshed before the call (refresh_token grant, new token stored)', async () => {
      const { file, doc } = await readTokens();
      const expired = { ...doc, expires_at: Math.floor(Date.now() / 1000) - 3600 };
      await writeFile(file, JSON.stringify(expired, null, 2) + '\n');
      assert.equal(octal(await mode(file)), '0600');
      const status = JSON.parse(ok(await client(['--json', 'auth', 'status'])).stdout);
      assert.ok(status.expiresAt < Date.now() / 1000, 'auth status shows the expiry in the past');

      const grantsBefore = grants.length;
      const r = ok(await client(['call-tool', 'greet', '{"name":"x"}']));
      assert.match(r.stdout, /Hello, x!/, show(r));
      assert.deepEqual(grants.slice(grantsBefore), ['refresh_token'], `the provider saw one refresh:\n${show(r)}`);
      const after = (await readTokens()).doc;
      assert.notEqual(after.access_token, doc.access_token, 'a new access token was stored');
      assert.ok(after.expires_at > Date.now() / 1000, 'with an expiry in the future');
      assert.ok(after.refresh_token, 'a refresh token is still stored');
      assert.equal(octal(await mode((await readTokens()).file)), '0600', 'the rewritten file is 0600 again');
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (after[k]) secrets.add(after[k]);
    });

    await step('auth refresh: a new access token on demand', async () => {
      const before = (await readTokens()).doc;
      const grantsBefore = grants.length;
      const r = ok(await client(['auth', 'refresh']));
      assert.match(r.stdout, /refreshed/i, show(r));
      assert.deepEqual(grants.slice(grantsBefore), ['refresh_token']);
      const after = (await readTokens()).doc;
      assert.notEqual(after.access_token, before.access_token);
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (after[k]) secrets.add(after[k]);
    });

    await step('auth logout: revokes at the provider, deletes the token file', async () => {
      const { doc } = await readTokens();
      const revocationPath = new URL(md.revocation_endpoint).pathname;
      const revocationsBefore = as.requests.filter((e) => e.path === revocationPath).length;
      const r = ok(await client(['auth', 'logout']));
      assert.match(r.stdout, /logged out/i, show(r));
      assert.match(r.stdout, /revoked the refresh token/i, show(r));
      const revocations = as.requests.filter((e) => e.path === revocationPath).slice(revocationsBefore);
      // oidc-provider cannot revoke its JWT access tokens (unsupported_token_type, which
      // the client reports); the refresh token revocation is what ends the login.
      assert.ok(revocations.some((e) => e.method === 'POST' && e.status === 200),
        `revocation requests: ${JSON.stringify(revocations)}`);
      assert.deepEqual(await tokenFiles(), [], 'the token file is gone');

      // The old refresh token no longer works at the provider.
      const res = await fetch(md.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: doc.refresh_token, client_id: doc.client_id }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await res.json();
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error, 'invalid_grant');

      const s = JSON.parse(ok(await client(['--json', 'auth', 'status'])).stdout);
      assert.equal(s.authenticated, false);
    });

    await step('after logout, a one-shot call that cannot log in (--no-browser, stdin closed) exits 4', async () => {
      const r = await client(['--no-browser', 'call-tool', 'greet', '{"name":"x"}']);
      assert.equal(r.timedOut, false, show(r));
      assert.equal(r.code, 4, show(r));
      assert.match(r.stderr, /auth/i, show(r));
      assert.ok(!r.stdout.includes('Hello'), show(r));
      const j = await client(['--json', '--no-browser', 'call-tool', 'greet', '{"name":"x"}']);
      assert.equal(j.code, 4, show(j));
      const err = j.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.error);
      assert.equal(err?.error?.kind, 'auth', show(j));
    });

    // In one-shot mode stdout carries only results; the "Redirected URL: " prompt
    // and the login instructions go to stderr.
    await step('one-shot --no-browser login: the prompt is not written to stdout', () => {
      const r = runs.find((x) => x.args.includes('--no-browser'));
      assert.ok(r, 'a --no-browser run');
      assert.equal(r.stdout, '', show(r));
    });

    await step('a rejected ACCESS_TOKEN is exit 4, without trying to log in', async () => {
      const r = await client(['call-tool', 'greet', '{"name":"x"}'], { env: { ...env, ACCESS_TOKEN: 'not-a-valid-token' } });
      assert.equal(r.timedOut, false, show(r));
      assert.equal(r.code, 4, show(r));
      assert.ok(!/code_challenge=/.test(r.stderr), `no authorization URL:\n${show(r)}`);
    });

    await step('a call in browser mode logs in on the 401 and then succeeds', async () => {
      const grantsBefore = grants.length;
      const live = spawnClient(CLIENT_BIN, ['--url', url, '--timeout', '10', 'call-tool', 'greet', '{"name":"again"}'], {
        home,
        env,
        timeoutMs: RUN_TIMEOUT_MS,
      });
      try {
        await browserLogin(live);
      } finally {
        const r = await live.done;
        runs.push(r);
        ok(r);
        assert.match(r.stdout, /Hello, again!/, show(r));
      }
      assert.deepEqual(grants.slice(grantsBefore), ['authorization_code']);
      const { doc } = await readTokens();
      assert.ok(doc.access_token);
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (doc[k]) secrets.add(doc[k]);
    });

    await t.test('no token ever appeared on stdout or stderr', { skip: failed && 'an earlier step failed' }, () => {
      assert.ok(secrets.size >= 4, `tokens collected: ${secrets.size}`);
      for (const r of runs) {
        for (const s of secrets) {
          // Any 24-character slice of a token would be a leak too (a prefix is fine).
          const probe = s.slice(-24);
          assert.ok(!r.stdout.includes(probe) && !r.stderr.includes(probe), `a token in the output of:\n${show(r)}`);
        }
      }
    });

    await t.test('no token outside the oauth directory', async () => {
      const files = (await readdir(home.dir, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile())
        .map((d) => path.join(d.parentPath ?? d.path, d.name))
        .filter((f) => !f.startsWith(oauthDir + path.sep));
      for (const f of files) {
        const text = await readFile(f, 'latin1');
        for (const s of secrets) assert.ok(!text.includes(s.slice(-24)), `a token in ${f}`);
      }
    });
  } finally {
    if (failed) {
      t.diagnostic(
        [
          'client runs:',
          ...runs.map(show),
          'provider requests:',
          ...providerLog.slice(-60),
          `grants: ${grants.join(', ')}`,
          'mcp-server output tail:',
          server.output(),
        ].join('\n'),
      );
    }
  }
});
