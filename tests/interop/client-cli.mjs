// Running the mcp-client CLI from the interop tests: a private HOME /
// XDG_CONFIG_HOME per test (the client keeps history and OAuth tokens there), a
// scrubbed environment, bounded runs that capture stdout, stderr (with arrival
// times, to check what was shown before what) and the exit code, and the
// TypeScript SDK peer server (ts-peer-server.mjs).
//
//   const home = await makeHome('client-interop');      // { dir, config, cwd, env, remove() }
//   const r = await runClient(CLIENT_BIN, ['--url', url, 'list-tools'], { home });
//   r.code, r.stdout, r.stderr, r.chunks, r.timedOut
//   const live = spawnClient(...); await live.waitFor(/regex/, 'stderr'); ... await live.done;

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

import { stopProcess, trackProcess } from './processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const NODE = process.execPath;

/**
 * The mcp-client binary: MCP_CLIENT_BIN, else next to MCP_SERVER_BIN, else the
 * debug build's.
 */
export function clientBinary() {
  if (process.env.MCP_CLIENT_BIN) return process.env.MCP_CLIENT_BIN;
  if (process.env.MCP_SERVER_BIN) return path.join(path.dirname(process.env.MCP_SERVER_BIN), 'mcp-client');
  return path.resolve(HERE, '../../build/debug/bin/mcp-client');
}

/** The mcp-server binary: MCP_SERVER_BIN, else next to mcp-client. */
export function serverBinary(clientBin = clientBinary()) {
  return process.env.MCP_SERVER_BIN ?? path.join(path.dirname(clientBin), 'mcp-server');
}

export const binaryMissing = (bin) => (existsSync(bin) ? false : `binary not found: ${bin}`);

// Inherited variables that would change what the client does or where it keeps files.
const CLIENT_ENV = /^(MCP_|OAUTH_|COGNITO_|FACADE_|ACCESS_TOKEN$|XDG_|HOME$|NO_COLOR$|TERM$|TMPDIR$)/;

/**
 * A private home for one test: HOME, XDG_CONFIG_HOME (the client's files go to
 * <config>/mcp-client), TMPDIR and a working directory (media files are saved in
 * the working directory). `env` is the scrubbed environment to run the client with.
 */
export async function makeHome(label = 'mcp-client') {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${label}-`));
  const config = path.join(dir, 'config');
  const cwd = path.join(dir, 'work');
  const tmp = path.join(dir, 'tmp');
  const emptyBin = path.join(dir, 'bin'); // a PATH without xdg-open / open
  await Promise.all([mkdir(config), mkdir(cwd), mkdir(tmp), mkdir(emptyBin)]);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CLIENT_ENV.test(k)));
  const env = {
    ...inherited,
    HOME: dir,
    XDG_CONFIG_HOME: config,
    TMPDIR: tmp,
    NO_COLOR: '1',
    TERM: 'dumb',
  };
  return {
    dir,
    config,
    clientDir: path.join(config, 'mcp-client'),
    cwd,
    tmp,
    emptyBin,
    env,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Starts mcp-client and returns { proc, output(), waitFor(re, stream, ms), done }.
 * `done` resolves with { code, signal, stdout, stderr, chunks, timedOut, ms }; the
 * process is SIGKILLed after `timeoutMs`. `chunks` lists { stream, at, text } in
 * arrival order (at: performance.now()). stdin is closed unless `input` is given
 * (a string written then closed) or `keepStdin` is set.
 */
export function spawnClient(bin, args, { home, env = {}, cwd, timeoutMs = 20_000, input, keepStdin = false } = {}) {
  const started = performance.now();
  const proc = trackProcess(
    spawn(bin, args, {
      cwd: cwd ?? home?.cwd ?? os.tmpdir(),
      env: { ...(home?.env ?? process.env), ...env },
      stdio: [input !== undefined || keepStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    }),
  );
  if (input !== undefined) proc.stdin.end(input);
  const chunks = [];
  const text = { stdout: '', stderr: '' };
  const waiters = new Set();
  const check = () => {
    for (const w of waiters) {
      const m = text[w.stream].match(w.re);
      if (m) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(m);
      }
    }
  };
  for (const stream of ['stdout', 'stderr']) {
    proc[stream].setEncoding('utf8').on('data', (d) => {
      chunks.push({ stream, at: performance.now(), text: d });
      text[stream] += d;
      check();
    });
  }
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const closed = new Promise((resolve) => {
    proc.once('error', (err) => resolve({ code: null, signal: null, error: err }));
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
  const done = closed.then(({ code, signal, error }) => {
    clearTimeout(killer);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`mcp-client exited (code ${code}) before ${w.stream} matched ${w.re}:\n${describe()}`));
    }
    waiters.clear();
    return {
      code,
      signal,
      error,
      stdout: text.stdout,
      stderr: text.stderr,
      chunks,
      timedOut,
      ms: performance.now() - started,
      args,
    };
  });
  const describe = () => `$ mcp-client ${args.join(' ')}\n--- stdout ---\n${text.stdout}--- stderr ---\n${text.stderr}`;
  return {
    proc,
    done,
    output: describe,
    /** Resolves with the match once `stream` (so far) matches `re`. */
    waitFor(re, stream = 'stderr', ms = 10_000) {
      return new Promise((resolve, reject) => {
        const w = { re, stream, resolve, reject };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${stream} did not match ${re} within ${ms} ms:\n${describe()}`));
        }, ms);
        waiters.add(w);
        check();
      });
    },
    stop: () => stopProcess(proc, 2000),
  };
}

/** Runs mcp-client to completion (bounded); see spawnClient for the result. */
export function runClient(bin, args, options = {}) {
  return spawnClient(bin, args, options).done;
}

/** A one-line-per-stream summary of a run for assertion messages. */
export function show(r) {
  return (
    `$ mcp-client ${r.args.join(' ')}\n  exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}` +
    `${r.timedOut ? ' TIMED OUT' : ''} after ${Math.round(r.ms)} ms\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`
  );
}

/** Where `needle` (string or RegExp) first arrived: { index, at, stream } in r.chunks, or undefined. */
export function arrival(r, needle, stream) {
  const acc = { stdout: '', stderr: '' };
  for (const [index, c] of r.chunks.entries()) {
    acc[c.stream] += c.text;
    if (stream && c.stream !== stream) continue;
    const hay = acc[c.stream];
    if (typeof needle === 'string' ? hay.includes(needle) : needle.test(hay)) return { index, at: c.at, stream: c.stream };
  }
  return undefined;
}

/**
 * Starts ts-peer-server.mjs (MODE=sse|json|stateless) and resolves with
 * { proc, url, output() } once it prints its URL.
 */
export function startTsPeer(mode, { timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = trackProcess(
      spawn(NODE, [path.join(HERE, 'ts-peer-server.mjs')], {
        cwd: HERE,
        env: { ...process.env, MODE: mode, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let tail = '';
    const remember = (s) => {
      tail = (tail + s).slice(-8000);
    };
    proc.stderr.setEncoding('utf8').on('data', remember);
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) stopProcess(proc).finally(() => reject(err));
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`ts-peer-server (${mode}) gave no URL in ${timeoutMs} ms:\n${tail}`)), timeoutMs);
    createInterface({ input: proc.stdout }).on('line', (line) => {
      remember(`${line}\n`);
      try {
        const { url } = JSON.parse(line);
        if (typeof url === 'string') finish(null, { proc, url: new URL(url), output: () => tail });
      } catch {
        // not the URL line
      }
    });
    proc.once('error', (err) => finish(err));
    proc.once('exit', (code, signal) => finish(new Error(`ts-peer-server (${mode}) exited (${code ?? signal}):\n${tail}`)));
  });
}
