// Child processes of the interop tests: starting mcp-server and reading its URL,
// stopping processes (SIGTERM, then SIGKILL), free loopback ports, and a last-resort
// SIGKILL of everything still running when the test process exits.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

const live = new Set();
process.on('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

/** Remembers `proc` until it exits, so that it never outlives the test process. */
export function trackProcess(proc) {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code (or signal); never throws. */
export function stopProcess(proc, graceMs = 3000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode ?? proc.signalCode);
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(killTimer);
      resolve(code ?? signal);
    });
    proc.kill('SIGTERM');
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The server's --help text, or undefined when the binary is missing. */
export function serverHelp(bin) {
  if (!existsSync(bin)) return undefined;
  try {
    return execFileSync(bin, ['--help'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return `${err.stdout ?? ''}`;
  }
}

// Inherited variables that would change what the tests configure.
const SERVER_ENV = /^(MCP_|OAUTH_|COGNITO_|FACADE_)/;

/**
 * Starts mcp-server and resolves with { proc, url, output() } once it logs its
 * "listening" line (JSON with a url; with --log-level off the bare URL). The URL is
 * not necessarily on the first line (warnings may precede it). stdout is drained for
 * the server's whole life so the pipe never fills; output() is a bounded tail of it
 * and stderr, for failure messages.
 */
export function startServer(bin, args, env = {}, { timeoutMs = 10_000, tailBytes = 16_000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!existsSync(bin)) {
      reject(new Error(`server binary not found: ${bin}`));
      return;
    }
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SERVER_ENV.test(k)));
    const proc = trackProcess(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } }));

    let tail = '';
    const remember = (s) => {
      tail = (tail + s + '\n').slice(-tailBytes);
    };
    const output = () => tail;
    proc.stderr.setEncoding('utf8').on('data', (d) => remember(d.trimEnd()));

    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) stopProcess(proc).finally(() => reject(err));
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new Error(`server did not report its URL within ${timeoutMs} ms:\n${tail}`)),
      timeoutMs,
    );
    createInterface({ input: proc.stdout }).on('line', (line) => {
      remember(line);
      if (settled) return;
      let url;
      try {
        const entry = JSON.parse(line);
        if (entry?.msg === 'listening' && typeof entry.url === 'string') url = entry.url;
      } catch {
        if (/^https?:\/\/\S+$/.test(line.trim())) url = line.trim();
      }
      if (!url) return;
      const parsed = new URL(url);
      if (parsed.hostname !== '127.0.0.1') finish(new Error(`server listens on ${parsed.hostname}, expected 127.0.0.1`));
      else finish(null, { proc, url: parsed, output });
    });
    proc.once('error', (err) => finish(err));
    proc.once('exit', (code, signal) =>
      finish(new Error(`server exited during startup (code ${code}, signal ${signal}):\n${tail}`)),
    );
  });
}
