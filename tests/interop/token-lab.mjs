// token-lab: a loopback JWKS server and a JWT mint for testing OAuth resource servers.
//
// Only node: built-ins. Reusable from any test:
//
//   import { JwksServer, generateRsaKey, generateEcKey, mintJwt, mintRaw } from './token-lab.mjs';
//   const k1 = generateRsaKey('k1');
//   const jwks = await new JwksServer([k1.jwk]).start();   // jwks.url = http://127.0.0.1:P/.well-known/jwks.json
//   const token = mintJwt(k1, { iss, aud, sub: 'alice', exp: now() + 300 });
//   jwks.setKeys([k1.jwk, k2.jwk]);  // rotation
//   await jwks.stop();               // outage (same port is reused by restart())
//   await jwks.restart();
//
// mintRaw() builds hostile tokens from raw header/payload text (duplicate members,
// non-objects, bad JSON) and arbitrary signature bytes.

import crypto from 'node:crypto';
import http from 'node:http';

// --- encoding helpers ---------------------------------------------------------------

/** base64url without padding of a Buffer or string (UTF-8). */
export function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

/** Decodes base64url (tolerant, as Node is); for inspecting tokens in tests only. */
export function unb64url(text) {
  return Buffer.from(text, 'base64url');
}

/** Seconds since the epoch. */
export function now() {
  return Math.floor(Date.now() / 1000);
}

// --- keys ---------------------------------------------------------------------------

/**
 * RSA key pair with its public JWK ({kty,n,e,kid,alg:'RS256',use:'sig'}).
 * Returns { kid, alg, privateKey, publicKey, jwk, publicPem }.
 */
export function generateRsaKey(kid, { bits = 2048, alg = 'RS256' } = {}) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    jwk: { kty, kid, alg, use: 'sig', n, e },
  };
}

/** EC P-256 key pair (ES256) with its public JWK ({kty:'EC',crv,x,y,kid,alg,use}). */
export function generateEcKey(kid, { curve = 'P-256', alg = 'ES256' } = {}) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    jwk: { kty, kid, alg, use: 'sig', crv, x, y },
  };
}

// --- signing ------------------------------------------------------------------------

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/**
 * Signs `input` (the ASCII signing input "header.payload") with `alg`.
 *   RS*: key = KeyObject/PEM (private); PS*: RSA-PSS; ES*: key = EC private key,
 *   raw r||s (IEEE P1363) as JWS requires; HS*: key = secret (Buffer/string);
 *   none: empty signature.
 */
export function signInput(alg, input, key) {
  const data = Buffer.from(input, 'ascii');
  if (alg === 'none') return Buffer.alloc(0);
  const bits = alg.slice(2);
  const hash = HASH[bits];
  if (!hash) throw new Error(`unsupported alg ${alg}`);
  switch (alg.slice(0, 2)) {
    case 'RS':
      return crypto.sign(hash, data, key);
    case 'PS':
      return crypto.sign(hash, data, {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'ES':
      return crypto.sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'HS':
      return crypto.createHmac(hash, key).update(data).digest();
    default:
      throw new Error(`unsupported alg ${alg}`);
  }
}

/**
 * A normal JWS compact token. `key` is a key from generateRsaKey/generateEcKey.
 * options.header: members merged into / overriding {alg, typ:'JWT', kid}
 *   (set a member to undefined to drop it).
 * options.alg: signing algorithm (default key.alg); options.signWith: the actual
 *   private key/secret used (default key.privateKey) — for "wrong key" tokens.
 */
export function mintJwt(key, payload, { header = {}, alg, signWith } = {}) {
  const useAlg = alg ?? header.alg ?? key.alg;
  const fullHeader = { alg: useAlg, typ: 'JWT', kid: key.kid, ...header };
  for (const k of Object.keys(fullHeader)) if (fullHeader[k] === undefined) delete fullHeader[k];
  return mintRaw({
    headerText: JSON.stringify(fullHeader),
    payloadText: JSON.stringify(payload),
    alg: useAlg,
    key: signWith ?? key.privateKey,
  });
}

/**
 * A token from raw parts, for hostile constructions.
 *   headerText / payloadText: exact JSON (or non-JSON) text, base64url-encoded as is;
 *   headerB64 / payloadB64: already-encoded segments (override the text forms);
 *   alg + key: sign the signing input; or signature: a Buffer; or signatureB64: raw text.
 */
export function mintRaw({ headerText, payloadText, headerB64, payloadB64, alg, key, signature, signatureB64 }) {
  const h = headerB64 ?? b64url(headerText);
  const p = payloadB64 ?? b64url(payloadText);
  const input = `${h}.${p}`;
  let s;
  if (signatureB64 !== undefined) s = signatureB64;
  else if (signature !== undefined) s = b64url(signature);
  else s = b64url(signInput(alg, input, key));
  return `${input}.${s}`;
}

/** Flips one bit of the decoded signature (the middle byte) and re-encodes. */
export function flipSignatureByte(token) {
  const [h, p, s] = token.split('.');
  const sig = unb64url(s);
  sig[sig.length >> 1] ^= 0x01;
  return `${h}.${p}.${b64url(sig)}`;
}

/** Splits a token into its decoded header/payload objects (no verification). */
export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(unb64url(h)), payload: JSON.parse(unb64url(p)) };
}

/**
 * Reference verifier (signature only, by kid against a JWK list) used to check
 * that this lab mints what it claims. Returns true/false; never throws.
 */
export function verifyJwt(token, jwks) {
  try {
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const header = JSON.parse(unb64url(parts[0]));
    const jwk = jwks.find((k) => k.kid === header.kid);
    if (!jwk || (jwk.alg && jwk.alg !== header.alg)) return false;
    const publicKey = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    const data = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    const sig = unb64url(parts[2]);
    const hash = HASH[header.alg.slice(2)];
    switch (header.alg.slice(0, 2)) {
      case 'RS':
        return jwk.kty === 'RSA' && crypto.verify(hash, data, publicKey, sig);
      case 'ES':
        return jwk.kty === 'EC' && crypto.verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

// --- JWKS server --------------------------------------------------------------------

/**
 * A JWKS endpoint on 127.0.0.1 whose key set and behaviour can be changed at run time.
 *   mode 'ok'      200 {"keys":[...]}
 *   mode 'error'   500
 *   mode 'garbage' 200 with a non-JSON body
 *   mode 'hang'    accepts the request and never answers (until stop())
 * stop() closes the listener and every open connection; restart() listens again on
 * the same port. `requests` counts the JWKS requests served (any mode).
 */
export class JwksServer {
  constructor(keys = [], { path = '/.well-known/jwks.json', port = 0 } = {}) {
    this.keys = keys;
    this.path = path;
    this.port = port;
    this.mode = 'ok';
    this.requests = 0;
    this.requestLog = []; // { at, path, mode }
    this.server = undefined;
    this.stopping = undefined; // the close in progress
    this.disposed = false;
    this.sockets = new Set();
    this.hanging = new Set();
  }

  get url() {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  get running() {
    return this.server !== undefined;
  }

  setKeys(keys) {
    this.keys = keys;
  }

  setMode(mode) {
    this.mode = mode;
  }

  /** Resolves with this once listening (port 0 → a free port, then kept for restart()). */
  async start() {
    if (this.stopping) await this.stopping;
    if (this.disposed) throw new Error('JwksServer: start() after dispose()');
    if (this.server) return this;
    const server = http.createServer((req, res) => this.#handle(req, res));
    server.keepAliveTimeout = 1000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        this.port = server.address().port;
        resolve(this);
      });
    });
  }

  /** Closes the listener and destroys every connection. Never rejects. */
  stop() {
    if (this.stopping) return this.stopping;
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.stopping = new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    }).finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** Stops for good: any later start()/restart() rejects (for after-hooks racing a test's cleanup). */
  dispose() {
    this.disposed = true;
    return this.stop();
  }

  /** Starts again on the same port (retrying briefly if the port is in TIME_WAIT/used). */
  async restart({ attempts = 20, delayMs = 50 } = {}) {
    let lastErr;
    for (let i = 0; i < attempts; i++) {
      try {
        return await this.start();
      } catch (err) {
        if (this.disposed) throw err;
        lastErr = err;
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
    throw lastErr;
  }

  #handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    this.requests += 1;
    this.requestLog.push({ at: Date.now(), path: url.pathname, mode: this.mode });
    if (req.method !== 'GET' || url.pathname !== this.path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    switch (this.mode) {
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[ not json');
        return;
      case 'hang':
        this.hanging.add(res);
        res.once('close', () => this.hanging.delete(res));
        return;
      default: {
        const body = JSON.stringify({ keys: this.keys });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body);
      }
    }
  }
}

/**
 * Reserves a loopback URL on which nothing listens yet: starts a JwksServer on a
 * free port and stops it again. restart() on the returned server brings it up on
 * that same port later.
 */
export async function reserveStoppedJwksServer(keys = []) {
  const jwks = new JwksServer(keys);
  await jwks.start();
  await jwks.stop();
  return jwks;
}

// --- self-test: `node token-lab.mjs` ------------------------------------------------

if (import.meta.url === `file://${process.argv[1]}`) {
  const assert = (await import('node:assert/strict')).default;
  const rsa = generateRsaKey('r1');
  const rsa2 = generateRsaKey('r1');
  const ec = generateEcKey('e1');
  const set = [rsa.jwk, ec.jwk];
  const claims = { iss: 'https://issuer.example', sub: 'alice', aud: 'x', exp: now() + 60 };

  const good = mintJwt(rsa, claims);
  assert.ok(verifyJwt(good, set), 'RS256 verifies');
  assert.deepEqual(decodeJwt(good).header, { alg: 'RS256', typ: 'JWT', kid: 'r1' });
  assert.ok(verifyJwt(mintJwt(ec, claims), set), 'ES256 verifies');
  assert.equal(unb64url(mintJwt(ec, claims).split('.')[2]).length, 64, 'ES256 signature is raw r||s');
  assert.ok(!verifyJwt(flipSignatureByte(good), set), 'flipped signature fails');
  assert.ok(!verifyJwt(mintJwt(rsa, claims, { signWith: rsa2.privateKey }), set), 'wrong key fails');
  assert.ok(!verifyJwt(mintJwt(rsa, claims, { alg: 'HS256', signWith: rsa.publicPem }), set), 'HS256 fails');
  assert.ok(!verifyJwt(mintJwt(rsa, claims, { alg: 'none' }), set), 'none fails');
  assert.ok(mintJwt(rsa, claims, { alg: 'none' }).endsWith('.'), 'none has an empty signature');
  const raw = mintRaw({ headerText: '{"alg":"RS256","kid":"r1"}', payloadText: '{"sub":"a","sub":"b"}', alg: 'RS256', key: rsa.privateKey });
  assert.ok(verifyJwt(raw, set), 'raw duplicate-claim token is validly signed');
  assert.equal(unb64url(raw.split('.')[1]).toString(), '{"sub":"a","sub":"b"}');
  // Cross-check with node's own JWK import of the private key (RS256 over the same input).
  const pub = crypto.createPublicKey({ key: rsa.jwk, format: 'jwk' });
  assert.ok(crypto.verify('sha256', Buffer.from(good.split('.').slice(0, 2).join('.')), pub, unb64url(good.split('.')[2])));

  const jwks = await new JwksServer([rsa.jwk]).start();
  const r1 = await (await fetch(jwks.url)).json();
  assert.deepEqual(r1, { keys: [rsa.jwk] });
  jwks.setKeys(set);
  assert.equal((await (await fetch(jwks.url)).json()).keys.length, 2);
  jwks.setMode('error');
  assert.equal((await fetch(jwks.url)).status, 500);
  jwks.setMode('ok');
  const port = jwks.port;
  await jwks.stop();
  await assert.rejects(fetch(jwks.url, { signal: AbortSignal.timeout(2000) }));
  await jwks.restart();
  assert.equal(jwks.port, port);
  assert.equal((await fetch(jwks.url)).status, 200);
  assert.equal(jwks.requests, 4);
  await jwks.stop();
  console.log('token-lab self-test: ok');
}
