// The real CDK CLI against the compiled app and cdk.json, offline: proves the
// wiring `scripts/deploy` relies on (context keys, feature flags, cdk-nag as a
// validation plugin) without AWS credentials or Docker.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { INFRA_DIR, dummyDockerContext } from './helpers';

function cdk(args: string[]) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-cdk-cli-'));
  const r = spawnSync(
    process.execPath,
    [path.join(INFRA_DIR, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '-q', '--no-notices', '--no-version-reporting',
      '--app', `${process.execPath} dist/bin/app.js`, '-o', out, ...args],
    {
      cwd: INFRA_DIR,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_REGION: 'us-east-1',
        // No credentials anywhere: synthesis must not need them.
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  return { ...r, out };
}

describe('cdk synth (CLI)', () => {
  it('synthesises offline with context only', () => {
    const r = cdk(['-c', 'functionName=cli-test', '-c', `dockerContext=${dummyDockerContext()}`, '-c', 'stageName=v1']);
    try {
      assert.equal(r.status, 0, r.stderr);
      const template = JSON.parse(fs.readFileSync(path.join(r.out, 'McpServer-cli-test.template.json'), 'utf8'));
      const text = JSON.stringify(template);
      assert.ok(text.includes('"ResponseTransferMode":"STREAM"'));
      assert.ok(text.includes('/response-streaming-invocations'));
      assert.ok(text.includes('"StageName":"v1"'));
    } finally {
      fs.rmSync(r.out, { recursive: true, force: true });
    }
  });

  it('fails with a clear message without functionName', () => {
    const r = cdk([]);
    fs.rmSync(r.out, { recursive: true, force: true });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /functionName is required/);
  });
});
