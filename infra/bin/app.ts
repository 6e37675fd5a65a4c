#!/usr/bin/env node
// CDK entry point: `npx cdk synth -c functionName=NAME [-c key=value ...]`
// (see lib/config.ts for the keys, docs/DEPLOY.md for the walk-through).
import * as path from 'node:path';
import { ConfigError } from '../lib/config';
import { buildApp } from '../lib/app';

// dist/bin/app.js -> infra/ -> the repository root (the Docker build context).
const repoRoot = path.resolve(__dirname, '..', '..', '..');
try {
  buildApp(repoRoot);
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
