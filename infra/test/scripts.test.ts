// scripts/deploy and scripts/destroy preflight and context passing, offline:
// each test copies the scripts into a scratch repository layout and runs them
// with fake `aws`, `docker`, `npm` and `cdk` programs on a PATH that has no
// real ones, so no AWS account, Docker engine or network is touched.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from './helpers';

const HIDDEN = new Set(['aws', 'docker', 'npm', 'npx', 'cdk']);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-deploy-test-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// Every system program except the ones we fake.
const sysbin = path.join(scratch, 'sysbin');
fs.mkdirSync(sysbin);
for (const dir of ['/usr/bin', '/bin', '/usr/sbin']) {
  if (!fs.existsSync(dir)) continue;
  for (const name of fs.readdirSync(dir)) {
    const link = path.join(sysbin, name);
    if (HIDDEN.has(name) || fs.existsSync(link)) continue;
    fs.symlinkSync(path.join(dir, name), link);
  }
}
// Keep the node that runs the tests (it may not be /usr/bin/node).
fs.rmSync(path.join(sysbin, 'node'), { force: true });
fs.symlinkSync(process.execPath, path.join(sysbin, 'node'));

const FAKE_AWS = `#!/usr/bin/env bash
echo "aws $*" >> "$FAKE_LOG"
case "$*" in
  *"sts get-caller-identity"*) [[ "\${FAKE_STS:-ok}" == ok ]] || { echo "Unable to locate credentials" >&2; exit 255; }; echo 123456789012 ;;
  *"configure get region"*) [[ -n "\${FAKE_PROFILE_REGION:-}" ]] && echo "$FAKE_PROFILE_REGION" || exit 1 ;;
  *"describe-stacks --stack-name CDKToolkit"*) [[ "\${FAKE_BOOTSTRAP:-ok}" == ok ]] || { echo "Stack with id CDKToolkit does not exist" >&2; exit 254; }; echo '{}' ;;
  *"describe-stacks --stack-name McpServer-"*) [[ "\${FAKE_STACK:-ok}" == ok ]] || { echo "does not exist" >&2; exit 254; }; printf 'McpUrl\\thttps://x/prod/mcp\\nUserPoolId\\teu-west-1_Pool1\\n' ;;
  *) echo "unexpected aws call: $*" >&2; exit 99 ;;
esac
`;
const FAKE_DOCKER = `#!/usr/bin/env bash
echo "docker $*" >> "$FAKE_LOG"
[[ "\${FAKE_DOCKER:-ok}" == ok ]] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
`;
const FAKE_NPM = `#!/usr/bin/env bash
echo "npm $*" >> "$FAKE_LOG"
`;
const FAKE_CDK = `#!/usr/bin/env bash
echo "cdk $* (cwd=$PWD BUILDX_NO_DEFAULT_ATTESTATIONS=\${BUILDX_NO_DEFAULT_ATTESTATIONS:-} AWS_REGION=\${AWS_REGION:-})" >> "$FAKE_LOG"
[[ "\${FAKE_CDK:-ok}" == ok ]] || exit 1
out=""
while [[ $# -gt 0 ]]; do
  [[ "$1" == --outputs-file ]] && out="$2"
  shift
done
if [[ -n "$out" ]]; then
  mkdir -p "$(dirname "$out")"
  echo '{"McpServer-demo":{"McpUrl":"https://abc.execute-api.eu-west-1.amazonaws.com/prod/mcp","UserPoolId":"eu-west-1_X"}}' > "$out"
fi
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  log: string[];
}

let counter = 0;
function run(
  script: 'deploy' | 'destroy',
  args: string[],
  opts: { env?: Record<string, string>; fakes?: string[]; dockerfile?: boolean; stamp?: boolean } = {},
): Run {
  const dir = path.join(scratch, `case${counter++}`);
  const fakebin = path.join(dir, 'fakebin');
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'infra', 'node_modules'), { recursive: true });
  fs.mkdirSync(fakebin);
  fs.copyFileSync(path.join(REPO_ROOT, 'scripts', script), path.join(dir, 'scripts', script));
  fs.chmodSync(path.join(dir, 'scripts', script), 0o755);
  fs.writeFileSync(path.join(dir, 'infra', 'package-lock.json'), '{}');
  if (opts.stamp ?? true) fs.writeFileSync(path.join(dir, 'infra', 'node_modules', '.install-stamp'), '');
  if (opts.dockerfile ?? true) fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  const fakes: Record<string, string> = { aws: FAKE_AWS, docker: FAKE_DOCKER, npm: FAKE_NPM, cdk: FAKE_CDK };
  for (const name of opts.fakes ?? ['aws', 'docker', 'npm', 'cdk']) {
    fs.writeFileSync(path.join(fakebin, name), fakes[name], { mode: 0o755 });
  }
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  const r = spawnSync(path.join(dir, 'scripts', script), args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${fakebin}:${sysbin}`,
      HOME: dir,
      FAKE_LOG: log,
      CDK: path.join(fakebin, 'cdk'),
      AWS_REGION: 'eu-west-1',
      ...opts.env,
    },
  });
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    log: fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''),
  };
}

const oneLine = (s: string) => s.trim().split('\n').length === 1;

describe('scripts/deploy', () => {
  it('prints usage with --help', () => {
    const r = run('deploy', ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: scripts\/deploy --function-name NAME/);
    assert.match(r.stdout, /--cognito-user-pool-id/);
    assert.deepEqual(r.log, []);
  });

  const invalid: [string[], RegExp][] = [
    [[], /--function-name is required/],
    [['--function-name', 'bad name'], /--function-name/],
    [['--function-name', 'demo', '--memory', '64'], /--memory '64': must be 128-10240/],
    [['--function-name', 'demo', '--memory', '10241'], /--memory/],
    [['--function-name', 'demo', '--memory', 'lots'], /--memory/],
    [['--function-name', 'demo', '--timeout', '901'], /--timeout '901': must be 1-900/],
    [['--function-name', 'demo', '--timeout', '0'], /--timeout/],
    [['--function-name', 'demo', '--stage-name', 'pr-od'], /--stage-name 'pr-od'/],
    [['--function-name', 'demo', '--architecture', 'mips'], /--architecture/],
    [['--function-name', 'demo', '--cognito-user-pool-id', 'eu-west-1_X'], /needs --cognito-client-ids/],
    [['--function-name', 'demo', '--no-auth', '--facade'], /--no-auth cannot be combined/],
    [['--function-name', 'demo', '--image-uri', 'nginx:latest'], /--image-uri/],
    [['--function-name', 'demo', '--region', 'Mars'], /not an AWS region/],
    [['--function-name', 'demo', '--bogus'], /unknown argument '--bogus'/],
    [['--function-name'], /needs a value/],
  ];
  for (const [args, message] of invalid) {
    it(`exits 2 on ${JSON.stringify(args)}`, () => {
      const r = run('deploy', args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(oneLine(r.stderr), r.stderr);
      assert.ok(!r.log.some((l) => l.startsWith('cdk')), 'cdk must not run');
    });
  }

  it('exits 2 without a region', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { env: { AWS_REGION: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no region/);
  });

  it('exits 3 without the aws CLI', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { fakes: ['docker', 'npm', 'cdk'] });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /AWS CLI \(aws\) is not installed/);
    assert.ok(oneLine(r.stderr));
  });

  it('exits 3 without a Dockerfile and without --image-uri', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { dockerfile: false });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no Dockerfile/);
  });

  it('exits 4 without AWS credentials', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { env: { FAKE_STS: 'fail' } });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no usable AWS credentials/);
    assert.ok(oneLine(r.stderr));
  });

  it('exits 5 without a Docker engine', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { env: { FAKE_DOCKER: 'fail' } });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /no Docker engine/);
    assert.ok(oneLine(r.stderr));
  });

  it('does not need Docker with --image-uri', () => {
    const r = run(
      'deploy',
      ['--function-name', 'demo', '--yes', '--image-uri', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mcp:v1'],
      { env: { FAKE_DOCKER: 'fail' }, dockerfile: false },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.log.some((l) => l.startsWith('docker')));
    assert.ok(r.log.some((l) => l.includes('-c imageUri=123456789012.dkr.ecr.eu-west-1.amazonaws.com/mcp:v1')));
  });

  it('exits 6 when the CDK bootstrap stack is missing, naming the bootstrap command', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { env: { FAKE_BOOTSTRAP: 'missing' } });
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /npx cdk bootstrap aws:\/\/123456789012\/eu-west-1/);
    assert.ok(oneLine(r.stderr));
    assert.ok(r.log.includes('aws cloudformation describe-stacks --stack-name CDKToolkit --region eu-west-1'));
  });

  it('exits 7 when cdk deploy fails', () => {
    const r = run('deploy', ['--function-name', 'demo', '--yes'], { env: { FAKE_CDK: 'fail' } });
    assert.equal(r.code, 7);
    assert.match(r.stderr, /cdk deploy failed/);
  });

  it('refuses to run unattended without --yes', () => {
    const r = run('deploy', ['--function-name', 'demo']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --yes/);
  });

  it('passes every flag as CDK context and prints the outputs', () => {
    const r = run('deploy', [
      '--function-name', 'demo',
      '--region', 'eu-west-1',
      '--memory', '1024',
      '--timeout', '120',
      '--stage-name', 'beta',
      '--architecture', 'arm64',
      '--cognito-user-pool-id', 'eu-west-1_Pool1',
      '--cognito-client-ids', 'a1,b2',
      '--cognito-domain', 'login-demo',
      '--api-key',
      '--log-group', '/custom/bedrock',
      '--cross-account-role-name', 'Reader',
      '--allowed-origins', 'https://app.example.com',
      '--context', 'logLevel=debug',
      '--yes',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const cdk = r.log.find((l) => l.startsWith('cdk '))!;
    for (const piece of [
      'cdk deploy McpServer-demo',
      '-c functionName=demo',
      '-c region=eu-west-1',
      '-c memory=1024',
      '-c timeout=120',
      '-c stageName=beta',
      '-c architecture=arm64',
      '-c cognitoUserPoolId=eu-west-1_Pool1',
      '-c cognitoClientIds=a1,b2',
      '-c cognitoDomain=login-demo',
      '-c apiKey=true',
      '-c logGroup=/custom/bedrock',
      '-c crossAccountRoleName=Reader',
      '-c allowedOrigins=https://app.example.com',
      '-c logLevel=debug',
      '--require-approval never',
      'BUILDX_NO_DEFAULT_ATTESTATIONS=1',
      'AWS_REGION=eu-west-1',
    ]) {
      assert.ok(cdk.includes(piece), `${piece} missing in: ${cdk}`);
    }
    assert.ok(!cdk.includes('allowInsecureNoAuth'), 'auth stays on unless --no-auth');
    assert.match(cdk, /cwd=\S+\/infra /);
    assert.match(r.stdout, /McpUrl\s+https:\/\/abc\.execute-api\.eu-west-1\.amazonaws\.com\/prod\/mcp/);
    assert.ok(!r.log.some((l) => l.startsWith('npm')), 'npm ci skipped when the stamp is fresh');
  });

  it('passes --no-auth explicitly and warns', () => {
    const r = run('deploy', ['--function-name', 'demo', '--no-auth', '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.log.find((l) => l.startsWith('cdk '))!.includes('-c allowInsecureNoAuth=true'));
    assert.match(r.stderr, /WARNING: --no-auth/);
  });

  it('takes the region from the CLI profile and runs npm ci when infra deps are missing', () => {
    const r = run('deploy', ['--function-name', 'my_fn', '--yes'], {
      env: { AWS_REGION: '', FAKE_PROFILE_REGION: 'ap-southeast-2' },
      stamp: false,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.log.some((l) => l.startsWith('npm ci')));
    const cdk = r.log.find((l) => l.startsWith('cdk '))!;
    assert.ok(cdk.includes('cdk deploy McpServer-my-fn'), cdk);
    assert.ok(cdk.includes('-c region=ap-southeast-2'), cdk);
  });
});

describe('scripts/destroy', () => {
  it('prints usage with --help', () => {
    const r = run('destroy', ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: scripts\/destroy --function-name NAME/);
  });

  it('exits 2 without --function-name, 3 without aws, 4 without credentials', () => {
    assert.equal(run('destroy', []).code, 2);
    assert.equal(run('destroy', ['--function-name', 'demo', '--yes'], { fakes: ['npm', 'cdk'] }).code, 3);
    const r = run('destroy', ['--function-name', 'demo', '--yes'], { env: { FAKE_STS: 'fail' } });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /no usable AWS credentials/);
  });

  it('succeeds without doing anything when the stack does not exist', () => {
    const r = run('destroy', ['--function-name', 'demo', '--yes'], { env: { FAKE_STACK: 'missing' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing to delete/);
    assert.ok(!r.log.some((l) => l.startsWith('cdk')));
  });

  it('asks for --yes when not on a terminal', () => {
    const r = run('destroy', ['--function-name', 'demo']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --yes/);
    assert.ok(!r.log.some((l) => l.startsWith('cdk')));
  });

  it('runs cdk destroy on the stack without needing the Dockerfile, and names the kept user pool', () => {
    const r = run('destroy', ['--function-name', 'demo', '--yes'], { dockerfile: false });
    assert.equal(r.code, 0, r.stderr);
    const cdk = r.log.find((l) => l.startsWith('cdk '))!;
    assert.ok(cdk.startsWith('cdk destroy McpServer-demo --force'), cdk);
    assert.ok(cdk.includes('-c functionName=demo'), cdk);
    assert.ok(cdk.includes('-c imageUri='), cdk);
    assert.match(r.stdout, /aws cognito-idp delete-user-pool --user-pool-id eu-west-1_Pool1/);
  });
});
