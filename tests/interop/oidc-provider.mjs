// A real OAuth 2.1 / OpenID Connect authorization server for the interop tests:
// `oidc-provider` (panva/node-oidc-provider), configured in one of two modes and
// bound to 127.0.0.1 only.
//
//   mode "mcp"           an MCP-ready provider: dynamic client registration (public
//                        clients with token_endpoint_auth_method "none" allowed),
//                        PKCE S256 required, RFC 8707 resource indicators: a token
//                        requested with resource=<MCP URL> is an RS256 JWT
//                        (typ at+jwt) whose aud is that resource and whose scope is
//                        drawn from the resource's scopes ("mcp:tools mcp:admin" by
//                        default). Refresh tokens for every client that registered
//                        the refresh_token grant.
//   mode "cognito-like"  stands in for an Amazon Cognito user pool behind the login
//                        facade: no registration endpoint, exactly one
//                        pre-registered client (given id, optional secret, exactly
//                        the given redirect URI), PKCE S256 required, all of the
//                        client's scopes when a request names none, no RFC 8414
//                        document (only /.well-known/openid-configuration, without
//                        code_challenge_methods_supported, like Cognito's), and
//                        Cognito-shaped JWT access tokens: token_use "access",
//                        client_id, scope (OIDC and resource scopes), sub, username,
//                        signed with a different key than the ID tokens (which carry
//                        token_use "id" and cognito:username), no typ header and no
//                        aud, unless a resource was requested (Cognito's resource
//                        binding: aud = the resource) or `audience` is given.
//                        (oidc-provider itself refuses JWT access tokens without aud,
//                        so the token endpoint's answer is re-signed without it.)
//
// Both modes keep oidc-provider's devInteractions: GET /auth?... answers 303 to
// /interaction/<uid>, an HTML login form (any login/password is accepted; the login
// becomes the account id) and then an HTML consent form; driveLogin() below submits
// them over HTTP with a cookie jar, so no browser or human is involved.
//
// Module:  const p = await startProvider({ mode: 'mcp' });  ...  await p.close();
// CLI:     node oidc-provider.mjs --mode mcp|cognito-like [--port N] [--client-id ID]
//            [--client-secret S] [--redirect-uri URI] [--scopes "a b"]
//            [--access-token-ttl SECONDS] [--verbose]
//          prints the issuer URL as its first stdout line, then serves until
//          SIGTERM/SIGINT (exit 0). --verbose logs every request to stderr.

import http from 'node:http';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const LOOPBACK = '127.0.0.1';
// cognito-like: placeholder aud of tokens without a resource, removed before they leave.
const NO_AUDIENCE = 'urn:cognito-like:no-audience';

// --- Keys -----------------------------------------------------------------------------

function rsaJwk(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

function publicJwk({ kty, n, e, kid, alg, use }) {
  return { kty, n, e, kid, alg, use };
}

// --- Accounts -------------------------------------------------------------------------

// Any login is an account; its id is the login string.
function makeFindAccount(mode) {
  return async (_ctx, sub) => ({
    accountId: sub,
    async claims(use) {
      const claims = { sub, email: `${sub}@example.test`, email_verified: true, name: sub };
      if (mode === 'cognito-like') {
        claims['cognito:username'] = sub;
        if (use === 'id_token') claims.token_use = 'id';
      }
      return claims;
    },
  });
}

// --- Provider -------------------------------------------------------------------------

/**
 * Starts an oidc-provider on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {'mcp'|'cognito-like'} [options.mode='mcp']
 * @param {number} [options.port=0]              0 picks a free port
 * @param {string[]} [options.scopes]           resource scopes (default mcp:tools mcp:admin)
 * @param {number} [options.accessTokenTTL=300] seconds
 * @param {boolean} [options.refreshTokens=true] issue refresh tokens to clients allowed the grant
 * @param {(resource: string) => boolean} [options.acceptResource]
 *        which RFC 8707 resource indicators are accepted (default: any absolute http(s) URL)
 * @param {(resource: string) => string} [options.audienceFor]
 *        the aud of a token for `resource` (default: the resource itself; tests use
 *        this to mint wrong-audience tokens)
 * @param {string} [options.clientId]            cognito-like: the one client (required)
 * @param {string} [options.clientSecret]        cognito-like: optional; none = public client
 * @param {string} [options.clientAuthMethod]    cognito-like: default client_secret_basic with
 *                                               a secret, else none
 * @param {string|string[]} [options.redirectUris] cognito-like: exactly the registered URI(s)
 * @param {string} [options.audience]            cognito-like: aud when no resource was requested
 *                                               (default: none, like Cognito)
 * @param {boolean} [options.cognitoDiscovery=true] cognito-like: shape discovery like Cognito's
 * @param {(line: string) => void} [options.log]  called once per HTTP request
 * @returns {Promise<{issuer: string, url: URL, mode: string, provider: object,
 *   jwks: {keys: object[]}, requests: object[], metadata: () => Promise<object>,
 *   close: () => Promise<void>}>}
 */
export async function startProvider(options = {}) {
  const {
    mode = 'mcp',
    port = 0,
    scopes = ['mcp:tools', 'mcp:admin'],
    accessTokenTTL = 300,
    refreshTokens = true,
    acceptResource = (r) => /^https?:\/\//.test(r),
    audienceFor = (r) => r,
    log,
  } = options;
  if (mode !== 'mcp' && mode !== 'cognito-like') throw new Error(`unknown provider mode: ${mode}`);

  // oidc-provider is imported lazily so that importing this module for its helpers
  // (driveLogin, decodeJwt) works even before `npm ci`.
  const { default: Provider, errors } = await import('oidc-provider');

  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const issuer = `http://${LOOPBACK}:${server.address().port}`;

  // Two keys as at Cognito: ID tokens use the first (default selection), access
  // tokens name the second by kid, so a resource server must select by kid.
  const idKey = rsaJwk(`id-${crypto.randomUUID().slice(0, 8)}`);
  const accessKey = rsaJwk(`at-${crypto.randomUUID().slice(0, 8)}`);
  const jwks = { keys: [idKey, accessKey] };

  const resourceScope = scopes.join(' ');
  const resourceServerInfo = (audience) => ({
    scope: resourceScope,
    audience,
    accessTokenTTL,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256', kid: accessKey.kid } },
  });

  const config = {
    jwks,
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    findAccount: makeFindAccount(mode),
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: {
      openid: mode === 'cognito-like' ? ['sub', 'token_use', 'cognito:username'] : ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      AuthorizationCode: 120,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    issueRefreshToken: async (_ctx, client) => refreshTokens && client.grantTypeAllowed('refresh_token'),
    // Loopback test provider: any origin may call it from a browser-like client.
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: true },
      // DPoP is on by default in oidc-provider 9; the MCP spec has no DPoP (yet).
      dPoP: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
  };

  if (mode === 'mcp') {
    config.features.registration = { enabled: true, initialAccessToken: false };
    config.clientDefaults = {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    };
    config.features.resourceIndicators = {
      enabled: true,
      // Without a resource the access token is opaque (userinfo only), as in
      // oidc-provider's default; a token request without `resource` reuses the
      // granted one.
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (!acceptResource(resource)) {
          throw new errors.InvalidTarget(`resource not accepted by this provider: ${resource}`);
        }
        return resourceServerInfo(audienceFor(resource));
      },
    };
  } else {
    const { clientId, clientSecret, audience = NO_AUDIENCE } = options;
    const redirectUris = [options.redirectUris ?? options.redirectUri].flat().filter(Boolean);
    if (!clientId) throw new Error('cognito-like mode needs clientId');
    if (redirectUris.length === 0) throw new Error('cognito-like mode needs redirectUris');
    const clientAuthMethod = options.clientAuthMethod ?? (clientSecret ? 'client_secret_basic' : 'none');
    const DEFAULT_RESOURCE = 'urn:cognito-like:default-resource';
    config.clients = [
      {
        client_id: clientId,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: clientAuthMethod,
      },
    ];
    // Cognito: client_secret_basic and client_secret_post for confidential clients.
    config.clientAuthMethods = ['client_secret_basic', 'client_secret_post', 'none'];
    config.features.registration = { enabled: false };
    config.features.resourceIndicators = {
      enabled: true,
      // Every access token is a JWT for "the user pool": with a resource
      // (Cognito's resource binding) aud is that resource, else `audience`.
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? DEFAULT_RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) =>
        resourceServerInfo(resource === DEFAULT_RESOURCE ? audience : audienceFor(resource)),
    };
    config.extraTokenClaims = async (_ctx, token) =>
      token.kind === 'AccessToken' ? { token_use: 'access', username: token.accountId } : undefined;
    config.formats = {
      customizers: {
        // Cognito's access-token scope lists the OIDC scopes too ("openid email ...").
        jwt: async (ctx, token, jwt) => {
          if (token.kind !== 'AccessToken') return;
          const grant = ctx?.oidc?.entities?.Grant;
          const oidc = grant?.getOIDCScope()?.split(' ') ?? [];
          const own = jwt.payload.scope?.split(' ') ?? [];
          const all = [...new Set([...oidc, ...own])].filter(Boolean);
          jwt.payload.scope = all.length ? all.join(' ') : undefined;
        },
      },
    };
  }

  const releaseNotices = captureNotices((line) => log?.(line));
  // oidc-provider insists on an aud in JWT access tokens and on typ "at+jwt";
  // Cognito's have neither (unless resource binding sets aud). Re-sign the issued
  // token with the same access-token key, without the placeholder aud and typ.
  const accessSigningKey = crypto.createPrivateKey({ key: accessKey, format: 'jwk' });
  const cognitoShape = (token) => {
    if (options.audience !== undefined) return token;
    const [, p] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (payload.aud !== NO_AUDIENCE) return token; // a requested resource: keep aud
    delete payload.aud;
    const header = { kid: accessKey.kid, alg: 'RS256' };
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(
      JSON.stringify(payload),
    ).toString('base64url')}`;
    const sig = crypto.sign('sha256', Buffer.from(input), accessSigningKey).toString('base64url');
    return `${input}.${sig}`;
  };

  const provider = new Provider(issuer, config);
  // Keep oidc-provider's console chatter (devInteractions/default-function warnings)
  // out of test output; the real errors surface through the HTTP responses.
  provider.on('server_error', (_ctx, err) => log?.(`server_error: ${err?.stack ?? err}`));

  const requests = [];
  provider.use(async (ctx, next) => {
    const started = Date.now();
    if (mode === 'mcp' && ctx.method === 'POST' && ctx.path === '/reg' && ctx.is('application/json')) {
      // oidc-provider only registers `scope` values from its static (OIDC) scope
      // list, and a client registered with a scope may not later request other
      // static scopes. MCP clients register the scope of the first challenge
      // (RFC 7591 §2 lets the server ignore it), and resource scopes are policed
      // per resource anyway: drop it, so step-up authorization keeps working.
      const raw = await readRequest(ctx.req);
      let body;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        delete body.scope;
        ctx.request.body = body;
      } else {
        ctx.request.body = raw; // oidc-provider reports the parse error
      }
    }
    if (mode === 'cognito-like' && ctx.path === '/auth' && ctx.method === 'GET' && !ctx.query.scope) {
      // Cognito: an authorization request without scope gets every scope the app
      // client is allowed (oidc-provider would deny it).
      const q = new URLSearchParams(ctx.querystring);
      q.set('scope', ['openid', 'email', 'profile', ...scopes].join(' '));
      ctx.querystring = q.toString();
    }
    if (mode === 'cognito-like' && options.cognitoDiscovery !== false) {
      // Cognito serves no RFC 8414 document.
      if (ctx.path === '/.well-known/oauth-authorization-server') {
        ctx.status = 404;
        ctx.body = { error: 'not_found' };
        record();
        return;
      }
    }
    await next();
    if (
      mode === 'cognito-like' &&
      ctx.method === 'POST' &&
      ctx.path === '/token' &&
      ctx.status === 200 &&
      typeof ctx.body?.access_token === 'string'
    ) {
      ctx.body = { ...ctx.body, access_token: cognitoShape(ctx.body.access_token) };
    }
    if (
      mode === 'cognito-like' &&
      options.cognitoDiscovery !== false &&
      ctx.path === '/.well-known/openid-configuration' &&
      ctx.body &&
      typeof ctx.body === 'object'
    ) {
      // Fields Cognito's discovery document does not have.
      const body = { ...ctx.body };
      for (const k of [
        'code_challenge_methods_supported',
        'registration_endpoint',
        'pushed_authorization_request_endpoint',
        'require_pushed_authorization_requests',
        'authorization_response_iss_parameter_supported',
        'dpop_signing_alg_values_supported',
      ]) {
        delete body[k];
      }
      body.token_endpoint_auth_methods_supported = ['client_secret_basic', 'client_secret_post'];
      ctx.body = body;
    }
    record();

    function record() {
      const entry = {
        method: ctx.method,
        path: ctx.path,
        query: ctx.querystring,
        status: ctx.status,
        location: ctx.response.get('location') || undefined,
        ms: Date.now() - started,
      };
      requests.push(entry);
      if (requests.length > 500) requests.shift();
      log?.(`${entry.method} ${entry.path}${entry.query ? '?' + entry.query : ''} -> ${entry.status}` +
        (entry.location ? ` Location: ${entry.location}` : ''));
    }
  });

  server.on('request', provider.callback());

  let closed;
  const close = () => {
    closed ??= new Promise((resolve) => {
      releaseNotices();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closed;
  };

  return {
    issuer,
    url: new URL(issuer),
    mode,
    provider,
    jwks: { keys: jwks.keys.map(publicJwk) },
    accessKid: accessKey.kid,
    idKid: idKey.kid,
    requests,
    async metadata() {
      const r = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!r.ok) throw new Error(`discovery answered ${r.status}`);
      return r.json();
    },
    close,
  };
}

async function readRequest(req, limit = 56 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('request entity too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

// oidc-provider prints development notices through console.info/console.warn
// ("oidc-provider NOTICE: ..."); route them to the provider's log instead.
const noticeSinks = new Set();
function captureNotices(sink) {
  if (noticeSinks.size === 0) {
    for (const level of ['info', 'warn']) {
      const original = console[level].bind(console);
      console[level] = (...args) => {
        if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) {
          for (const s of noticeSinks) s(args.join(' '));
          return;
        }
        original(...args);
      };
    }
  }
  noticeSinks.add(sink);
  return () => noticeSinks.delete(sink);
}

// --- Headless login driver --------------------------------------------------------------

/** A minimal cookie jar: name=value per host, no attributes honoured beyond that. */
export class CookieJar {
  #jar = new Map(); // host -> Map(name -> value)

  store(url, response) {
    const host = new URL(url).host;
    const cookies = this.#jar.get(host) ?? new Map();
    for (const line of response.headers.getSetCookie?.() ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires\s*=/i.test(a) && Date.parse(a.split('=').slice(1).join('=')) < Date.now());
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    this.#jar.set(host, cookies);
  }

  header(url) {
    const cookies = this.#jar.get(new URL(url).host);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const decodeEntities = (s) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos' || k === '#39') return "'";
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return m;
  });

const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3]) : undefined;
};

/** The first POST form of an HTML page: { action, fields } (inputs with their values). */
export function parseForm(html) {
  const form = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/i);
  if (!form) return undefined;
  const open = form[0].match(/<form\b[^>]*>/i)[0];
  const fields = {};
  for (const input of form[0].matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(input[0], 'name');
    if (name) fields[name] = attr(input[0], 'value') ?? '';
  }
  return { action: attr(open, 'action') ?? '', method: (attr(open, 'method') ?? 'get').toLowerCase(), fields };
}

/**
 * Plays the user agent for an authorization request: GETs `authorizationUrl`,
 * follows redirects (keeping cookies), fills in and submits oidc-provider's
 * devInteractions login form (login = `username`) and consent form, and stops at
 * the first redirect to `redirectUrl` (never fetched). Every hop has a timeout, at
 * most `maxSteps` hops are made.
 *
 * @returns {Promise<{ location: URL, code?: string, state?: string, error?: string,
 *   hops: {method: string, url: string, status: number, location?: string}[] }>}
 */
export async function driveLogin(authorizationUrl, {
  redirectUrl,
  username = 'alice',
  password = 'pw',
  jar = new CookieJar(),
  maxSteps = 20,
  stepTimeoutMs = 5000,
  fetchFn = fetch,
} = {}) {
  const target = new URL(redirectUrl);
  const isRedirectTarget = (u) => u.origin === target.origin && u.pathname === target.pathname;
  const hops = [];
  let url = new URL(authorizationUrl);
  let method = 'GET';
  let body;

  for (let step = 0; step < maxSteps; step++) {
    if (isRedirectTarget(url)) {
      const q = url.searchParams;
      return {
        location: url,
        code: q.get('code') ?? undefined,
        state: q.get('state') ?? undefined,
        iss: q.get('iss') ?? undefined,
        error: q.get('error') ?? undefined,
        errorDescription: q.get('error_description') ?? undefined,
        hops,
      };
    }
    const headers = { accept: 'text/html,application/json;q=0.9,*/*;q=0.5' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetchFn(url, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(stepTimeoutMs),
    });
    jar.store(url, response);
    const location = response.headers.get('location') ?? undefined;
    hops.push({ method, url: url.href, status: response.status, location });

    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const text = await response.text();
    if (response.status !== 200) {
      throw Object.assign(
        new Error(`login driver: ${method} ${url.href} answered ${response.status}: ${text.slice(0, 600)}`),
        { hops },
      );
    }
    const form = parseForm(text);
    if (!form) {
      throw Object.assign(
        new Error(`login driver: no form on ${url.href} (200): ${text.slice(0, 600)}`),
        { hops },
      );
    }
    const fields = { ...form.fields };
    if ('login' in fields || 'username' in fields) fields[('login' in fields) ? 'login' : 'username'] = username;
    if ('password' in fields) fields.password = password;
    const action = new URL(form.action || url.href, url);
    if (form.method === 'post') {
      method = 'POST';
      body = new URLSearchParams(fields).toString();
      url = action;
    } else {
      for (const [k, v] of Object.entries(fields)) action.searchParams.set(k, v);
      method = 'GET';
      body = undefined;
      url = action;
    }
  }
  throw Object.assign(new Error(`login driver: no redirect to ${redirectUrl} within ${maxSteps} hops`), { hops });
}

// --- Small helpers for tests ------------------------------------------------------------

/** Decodes a JWS compact token without verifying it: { header, payload }. */
export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error(`not a JWS compact token (${parts.length} parts)`);
  const dec = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  return { header: dec(parts[0]), payload: dec(parts[1]) };
}

/** PKCE pair (S256). */
export function pkcePair() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

// --- CLI --------------------------------------------------------------------------------

async function main() {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'mcp' },
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      scopes: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: oidc-provider.mjs --mode mcp|cognito-like [--port N] [--client-id ID] [--client-secret S]\n' +
        '         [--redirect-uri URI]... [--scopes "a b"] [--access-token-ttl SECONDS] [--verbose]\n' +
        'Prints the issuer URL on the first stdout line; serves on 127.0.0.1 until SIGTERM/SIGINT.',
    );
    return;
  }
  const p = await startProvider({
    mode: values.mode,
    port: Number(values.port),
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    redirectUris: values['redirect-uri'],
    scopes: values.scopes?.split(/\s+/).filter(Boolean),
    accessTokenTTL: values['access-token-ttl'] ? Number(values['access-token-ttl']) : undefined,
    log: values.verbose ? (line) => console.error(line) : undefined,
  });
  console.log(p.issuer);
  const stop = () => p.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err?.stack ?? err);
    process.exit(1);
  });
}
