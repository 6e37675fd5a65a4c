// Authorization fixture of bench/run: an RS256 key served as a JWKS on
// loopback, and one access token for the audience given on the command line.
// Prints {"issuer","jwks_url","token"} as one JSON line, then serves until
// SIGTERM.  Usage: node auth-fixture.mjs <audience> [scope]
import { createServer } from 'node:http';
import { generateKeyPairSync, createSign } from 'node:crypto';

const audience = process.argv[2];
const scope = process.argv[3] ?? 'mcp:tools';
if (!audience) {
  console.error('usage: auth-fixture.mjs <audience> [scope]');
  process.exit(2);
}
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'RS256', use: 'sig' };
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

const server = createServer((req, res) => {
  if (req.url === '/jwks.json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  } else {
    res.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' })}.${b64({
    iss: issuer, sub: 'bench-user', aud: audience, scope, client_id: 'bench', iat: now, exp: now + 3 * 3600,
  })}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
  console.log(JSON.stringify({ issuer, jwks_url: `${issuer}/jwks.json`, token: `${input}.${signature}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
