import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, configFromContext } from '../lib/config';
import { domainPrefixBase } from '../lib/mcp-stack';
import {
  asList,
  build,
  dummyDockerContext,
  findCycle,
  functionEnv,
  functionRoleStatements,
  joinText,
  methods,
  onlyResource,
  resourcePaths,
  resourcesOf,
  referencedIds,
  synth,
  type Ctx,
} from './helpers';

const IMPORTED = {
  cognitoUserPoolId: 'eu-west-1_AbC123',
  cognitoClientIds: 'client1abc,client2def',
  cognitoDomain: 'my-login',
};
const FACADE_PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
  '/oauth/register',
  '/oauth/authorize',
  '/oauth/callback',
  '/oauth/token',
  '/oauth/jwks',
];

describe('function', () => {
  it('defaults to a 512 MB, 300 s, x86_64 container-image function', () => {
    const { json } = synth();
    const [, fn] = onlyResource(json, 'AWS::Lambda::Function');
    assert.equal(fn.Properties!.MemorySize, 512);
    assert.equal(fn.Properties!.Timeout, 300);
    assert.deepEqual(fn.Properties!.Architectures, ['x86_64']);
    assert.equal(fn.Properties!.PackageType, 'Image');
    assert.equal(fn.Properties!.FunctionName, 'mcp-test');
  });

  it('honours memory, timeout and arm64', () => {
    const { json } = synth({ memory: '2048', timeout: '900', architecture: 'arm64' });
    const [, fn] = onlyResource(json, 'AWS::Lambda::Function');
    assert.equal(fn.Properties!.MemorySize, 2048);
    assert.equal(fn.Properties!.Timeout, 900);
    assert.deepEqual(fn.Properties!.Architectures, ['arm64']);
  });

  it('uses an existing ECR image without any Dockerfile', () => {
    const { json } = synth({
      imageUri: '210987654321.dkr.ecr.us-east-1.amazonaws.com/bedrock-usage-mcp:v1.2.3',
      dockerContext: '/nonexistent',
    });
    const [, fn] = onlyResource(json, 'AWS::Lambda::Function');
    const uri = joinText((fn.Properties!.Code as { ImageUri: unknown }).ImageUri);
    assert.match(uri, /^210987654321\.dkr\.ecr\.us-east-1\..*\/bedrock-usage-mcp:v1\.2\.3$/);
  });

  it('sets the runtime environment on every deploy', () => {
    const { json } = synth();
    const env = functionEnv(json);
    assert.equal(env.MCP_AUTH, 'cognito');
    assert.equal(env.MCP_LAMBDA_RESPONSE_MODE, 'streaming');
    assert.equal(env.MCP_LOG_LEVEL, 'info');
    assert.equal(env.BEDROCK_LOG_GROUP, '/aws/bedrock/modelinvocations');
    assert.equal(env.MCP_ALLOW_INSECURE_PUBLIC, undefined);
    assert.equal(env.BEDROCK_CROSS_ACCOUNT_ROLE_NAME, undefined);
    assert.equal(env.MCP_ALLOWED_ORIGINS, undefined);
  });

  it('builds MCP_PUBLIC_URL from the REST API id and the stage name, not the stage resource', () => {
    const { json } = synth();
    const [apiId] = onlyResource(json, 'AWS::ApiGateway::RestApi');
    const env = functionEnv(json);
    assert.equal(
      joinText(env.MCP_PUBLIC_URL),
      `https://<Ref:${apiId}>.execute-api.<Ref:AWS::Region>.<Ref:AWS::URLSuffix>/prod/mcp`,
    );
  });

  it('passes the session and facade secrets as CloudFormation dynamic references', () => {
    const { json } = synth();
    const env = functionEnv(json);
    const [sessionId] = resourcesOf(json, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('SessionSecret'))!;
    const [facadeId] = resourcesOf(json, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('FacadeSecret'))!;
    assert.notEqual(typeof env.MCP_SESSION_SECRET, 'string', 'a literal session secret in the template');
    assert.equal(joinText(env.MCP_SESSION_SECRET), `{{resolve:secretsmanager:<Ref:${sessionId}>:SecretString:::}}`);
    assert.equal(joinText(env.FACADE_SECRET), `{{resolve:secretsmanager:<Ref:${facadeId}>:SecretString:::}}`);
    const [, secret] = onlyResource({ Resources: { x: json.Resources[sessionId] } }, 'AWS::SecretsManager::Secret');
    assert.ok((secret.Properties!.GenerateSecretString as object) !== undefined, 'the secret must be generated');
    const reads = functionRoleStatements(json).filter((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'));
    assert.deepEqual(
      reads.flatMap((s) => asList(s.Resource)).map((r) => JSON.stringify(r)).sort(),
      [JSON.stringify({ Ref: facadeId }), JSON.stringify({ Ref: sessionId })].sort(),
    );
  });

  it('puts the secrets generation into the description so a bump re-resolves them', () => {
    const { json } = synth({ secretsGeneration: '7' });
    const [, fn] = onlyResource(json, 'AWS::Lambda::Function');
    assert.match(fn.Properties!.Description as string, /secrets generation 7/);
  });

  it('has no dependency cycle (function -> API id, app client -> API id)', () => {
    const variants: Ctx[] = [{}, { apiKey: 'true', allowedOrigins: 'https://app.example.com' }, IMPORTED, { allowInsecureNoAuth: 'true' }];
    for (const ctx of variants) {
      assert.equal(findCycle(synth(ctx).json), undefined, JSON.stringify(ctx));
    }
  });

  it('detects a cycle when one exists (the check can fail)', () => {
    const t = {
      Resources: {
        A: { Type: 'X', Properties: { p: { Ref: 'B' } } },
        B: { Type: 'X', Properties: { p: { 'Fn::GetAtt': ['A', 'Arn'] } } },
      },
    };
    assert.deepEqual(findCycle(t), ['A', 'B', 'A']);
  });
});

describe('API Gateway', () => {
  it('is a REGIONAL REST API (edge-optimised cuts idle streams after 30 s)', () => {
    const { json } = synth();
    const [, api] = onlyResource(json, 'AWS::ApiGateway::RestApi');
    assert.deepEqual((api.Properties!.EndpointConfiguration as { Types: string[] }).Types, ['REGIONAL']);
    assert.equal(resourcesOf(json, 'AWS::ApiGatewayV2::Api').length, 0, 'HTTP APIs cannot stream');
  });

  it('streams on every method: STREAM + response-streaming-invocations, no authorizer', () => {
    const variants: Ctx[] = [{}, { apiKey: 'true', allowedOrigins: 'https://app.example.com' }, IMPORTED];
    for (const ctx of variants) {
      const { json } = synth(ctx);
      const [fnId] = onlyResource(json, 'AWS::Lambda::Function');
      const all = methods(json);
      assert.ok(all.length >= 5);
      for (const m of all) {
        const integration = m.props.Integration as Record<string, unknown>;
        assert.equal(integration.Type, 'AWS_PROXY', `${m.verb} ${m.path}`);
        assert.equal(integration.ResponseTransferMode, 'STREAM', `${m.verb} ${m.path}`);
        assert.equal(integration.IntegrationHttpMethod, 'POST');
        // Partition and region are literals when the stack has an explicit region (scripts/deploy sets one).
        assert.match(
          joinText(integration.Uri),
          new RegExp(
            `^arn:(aws|<Ref:AWS::Partition>):apigateway:(us-east-1|<Ref:AWS::Region>):lambda:path/2021-11-15/functions/<GetAtt:${fnId}\\.Arn>/response-streaming-invocations$`,
          ),
        );
        assert.equal(integration.TimeoutInMillis, 300000);
        assert.equal(m.props.AuthorizationType, 'NONE');
      }
    }
  });

  it('routes /mcp, the metadata and the facade paths to the function', () => {
    const routes = methods(synth().json).map((m) => `${m.verb} ${m.path}`).sort();
    assert.deepEqual(
      routes,
      [
        'POST /mcp',
        'GET /mcp',
        'DELETE /mcp',
        'GET /.well-known/oauth-protected-resource',
        'GET /.well-known/oauth-protected-resource/mcp',
        'GET /.well-known/oauth-authorization-server',
        'GET /.well-known/openid-configuration',
        'POST /oauth/register',
        'GET /oauth/authorize',
        'POST /oauth/authorize',
        'GET /oauth/callback',
        'POST /oauth/token',
        'GET /oauth/jwks',
      ].sort(),
    );
  });

  it('leaves the facade routes out when the facade is off', () => {
    const paths = new Set(resourcePaths(synth(IMPORTED).json).values());
    for (const p of FACADE_PATHS) assert.ok(!paths.has(p), p);
    assert.ok(paths.has('/.well-known/oauth-protected-resource/mcp'));
  });

  it('honours a non-default stage name everywhere', () => {
    const { json } = synth({ stageName: 'beta_2' });
    const [, stage] = onlyResource(json, 'AWS::ApiGateway::Stage');
    assert.equal(stage.Properties!.StageName, 'beta_2');
    assert.match(joinText(functionEnv(json).MCP_PUBLIC_URL), /\/beta_2\/mcp$/);
    assert.match(joinText(json.Outputs!.McpUrl.Value), /\/beta_2\/mcp$/);
    const [, client] = onlyResource(json, 'AWS::Cognito::UserPoolClient');
    const callbacks = (client.Properties!.CallbackURLs as unknown[]).map(joinText);
    assert.ok(callbacks.some((u) => u.endsWith('/beta_2/oauth/callback')), callbacks.join(' '));
    assert.ok(!JSON.stringify(json).includes('/prod/'), 'a hard-coded /prod/ is left');
  });

  it('has no CORS preflight methods by default', () => {
    const { json } = synth();
    assert.equal(methods(json).filter((m) => m.verb === 'OPTIONS').length, 0);
    assert.equal(functionEnv(json).MCP_ALLOWED_ORIGINS, undefined);
  });

  it('adds OPTIONS (answered by the function) only for listed origins', () => {
    const { json } = synth({ allowedOrigins: 'https://app.example.com,http://localhost:6274' });
    const options = methods(json).filter((m) => m.verb === 'OPTIONS');
    assert.equal(options.length, new Set(methods(json).map((m) => m.path)).size);
    for (const m of options) assert.equal((m.props.Integration as { Type: string }).Type, 'AWS_PROXY');
    assert.equal(functionEnv(json).MCP_ALLOWED_ORIGINS, 'https://app.example.com,http://localhost:6274');
  });

  it('writes access logs to a log group with retention; the function log group has retention too', () => {
    const { json } = synth();
    const [, stage] = onlyResource(json, 'AWS::ApiGateway::Stage');
    const access = stage.Properties!.AccessLogSetting as { DestinationArn: unknown; Format: string };
    const groupRefs = [...referencedIds(access.DestinationArn)];
    assert.equal(groupRefs.length, 1);
    const accessGroupId = groupRefs[0];
    assert.equal(json.Resources[accessGroupId].Type, 'AWS::Logs::LogGroup');
    assert.equal(json.Resources[accessGroupId].Properties!.RetentionInDays, 30);
    assert.ok(JSON.parse(access.Format).status !== undefined, 'JSON access log format');
    const [, fn] = onlyResource(json, 'AWS::Lambda::Function');
    const fnGroupId = ((fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup).Ref;
    assert.equal(json.Resources[fnGroupId].Properties!.RetentionInDays, 30);
    const custom = synth({ logRetentionDays: '90' }).json;
    for (const [, g] of resourcesOf(custom, 'AWS::Logs::LogGroup')) assert.equal(g.Properties!.RetentionInDays, 90);
  });

  it('has no usage plan, API key or key requirement by default', () => {
    const { json } = synth();
    assert.equal(resourcesOf(json, 'AWS::ApiGateway::UsagePlan').length, 0);
    assert.equal(resourcesOf(json, 'AWS::ApiGateway::ApiKey').length, 0);
    for (const m of methods(json)) assert.notEqual(m.props.ApiKeyRequired, true, `${m.verb} ${m.path}`);
  });

  it('with apiKey: usage plan 5 rps / burst 10 / 1000 a month, key required on /mcp', () => {
    const { json } = synth({ apiKey: 'true' });
    const [planId, plan] = onlyResource(json, 'AWS::ApiGateway::UsagePlan');
    assert.deepEqual(plan.Properties!.Throttle, { BurstLimit: 10, RateLimit: 5 });
    assert.deepEqual(plan.Properties!.Quota, { Limit: 1000, Period: 'MONTH' });
    const [keyId] = onlyResource(json, 'AWS::ApiGateway::ApiKey');
    const [, link] = onlyResource(json, 'AWS::ApiGateway::UsagePlanKey');
    assert.deepEqual(link.Properties!.KeyId, { Ref: keyId });
    assert.deepEqual(link.Properties!.UsagePlanId, { Ref: planId });
    for (const m of methods(json)) {
      // Browsers follow redirects to /oauth/* and clients fetch metadata without custom headers.
      assert.equal(m.props.ApiKeyRequired, m.path === '/mcp', `${m.verb} ${m.path}`);
    }
    assert.ok(json.Outputs!.ApiKeyId);
  });

  it('honours custom throttle and quota values', () => {
    const { json } = synth({
      apiKey: 'true',
      apiKeyRateLimit: '20',
      apiKeyBurstLimit: '40',
      apiKeyQuotaLimit: '5000',
      apiKeyQuotaPeriod: 'WEEK',
    });
    const [, plan] = onlyResource(json, 'AWS::ApiGateway::UsagePlan');
    assert.deepEqual(plan.Properties!.Throttle, { BurstLimit: 40, RateLimit: 20 });
    assert.deepEqual(plan.Properties!.Quota, { Limit: 5000, Period: 'WEEK' });
  });
});

describe('IAM', () => {
  const WILDCARD_OK = new Set([
    'logs:GetQueryResults',
    'logs:StopQuery',
    'logs:DescribeLogGroups',
    'ce:GetCostAndUsage',
    'ce:GetDimensionValues',
  ]);

  it('scopes log reads to the one named Bedrock log group', () => {
    const { json } = synth({ logGroup: '/custom/bedrock-invocations' });
    const s = functionRoleStatements(json).find((x) => asList(x.Action).includes('logs:FilterLogEvents'))!;
    assert.deepEqual(asList(s.Action).sort(), ['logs:FilterLogEvents', 'logs:StartQuery']);
    const arns = asList(s.Resource).map(joinText).sort();
    const base = 'arn:<Ref:AWS::Partition>:logs:<Ref:AWS::Region>:<Ref:AWS::AccountId>:log-group:/custom/bedrock-invocations';
    assert.deepEqual(arns, [base, `${base}:*`]);
    assert.equal(functionEnv(json).BEDROCK_LOG_GROUP, '/custom/bedrock-invocations');
  });

  it('uses Resource "*" only for actions without resource-level permissions; never Action "*"', () => {
    const variants: Ctx[] = [{}, { crossAccountRoleName: 'BedrockUsageReader', apiKey: 'true' }, IMPORTED];
    for (const ctx of variants) {
      const statements = functionRoleStatements(synth(ctx).json);
      assert.ok(statements.length > 0);
      for (const s of statements) {
        assert.equal(s.Effect, 'Allow');
        for (const a of asList(s.Action)) assert.ok(!a.includes('*'), `wildcard action ${a}`);
        if (asList(s.Resource).includes('*')) {
          for (const a of asList(s.Action)) assert.ok(WILDCARD_OK.has(a), `${a} on Resource "*"`);
        }
      }
    }
  });

  it('can assume only the named cross-account role, and nothing by default', () => {
    const none = functionRoleStatements(synth().json).filter((s) => asList(s.Action).includes('sts:AssumeRole'));
    assert.equal(none.length, 0);
    const { json } = synth({ crossAccountRoleName: 'BedrockUsageReader' });
    const assume = functionRoleStatements(json).filter((s) => asList(s.Action).includes('sts:AssumeRole'));
    assert.equal(assume.length, 1);
    assert.deepEqual(asList(assume[0].Resource).map(joinText), ['arn:<Ref:AWS::Partition>:iam::*:role/BedrockUsageReader']);
    assert.equal(functionEnv(json).BEDROCK_CROSS_ACCOUNT_ROLE_NAME, 'BedrockUsageReader');
  });

  it('writes only its own log group and carries no managed policies', () => {
    const { json } = synth();
    const [, fn] = onlyResource(json, 'AWS::Lambda::Function');
    const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    assert.equal(json.Resources[roleId].Properties!.ManagedPolicyArns, undefined);
    const own = functionRoleStatements(json).find((s) => asList(s.Action).includes('logs:PutLogEvents'))!;
    const groupId = ((fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup).Ref;
    assert.deepEqual(own.Resource, { 'Fn::GetAtt': [groupId, 'Arn'] });
    assert.ok(!JSON.stringify(json).includes('AdministratorAccess'));
    assert.ok(!JSON.stringify(json).includes('AWSLambdaBasicExecutionRole'));
  });
});

describe('Cognito', () => {
  it('creates a pool with admin-only sign-up, email sign-in, a PKCE public client and the facade', () => {
    const { json, template } = synth();
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      MfaConfiguration: 'OPTIONAL',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'mcp',
      Scopes: [Match.objectLike({ ScopeName: 'tools' })],
    });
    const [clientId, client] = onlyResource(json, 'AWS::Cognito::UserPoolClient');
    const p = client.Properties!;
    assert.equal(p.GenerateSecret, false);
    assert.deepEqual(p.AllowedOAuthFlows, ['code']);
    assert.equal(p.AllowedOAuthFlowsUserPoolClient, true);
    const scopes = (p.AllowedOAuthScopes as unknown[]).map(joinText);
    for (const s of ['openid', 'email', 'profile']) assert.ok(scopes.includes(s), s);
    assert.ok(scopes.some((s) => s.endsWith('/tools')), scopes.join(' '));
    const callbacks = (p.CallbackURLs as unknown[]).map(joinText);
    assert.equal(callbacks[0], 'http://localhost:8000/callback');
    assert.ok(callbacks.some((u) => /^https:\/\/<Ref:Api[A-Z0-9]+>\.execute-api\..*\/prod\/oauth\/callback$/.test(u)));
    assert.deepEqual(p.RefreshTokenRotation, { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 });
    const env = functionEnv(json);
    const [poolId] = onlyResource(json, 'AWS::Cognito::UserPool');
    const [domainId] = onlyResource(json, 'AWS::Cognito::UserPoolDomain');
    assert.deepEqual(env.COGNITO_USER_POOL_ID, { Ref: poolId });
    assert.deepEqual(env.COGNITO_ALLOWED_CLIENT_IDS, { Ref: clientId });
    assert.deepEqual(env.COGNITO_DOMAIN, { Ref: domainId });
    assert.deepEqual(env.COGNITO_REGION, { Ref: 'AWS::Region' });
    assert.equal(env.MCP_AUTH_FACADE, 'true');
    assert.deepEqual(env.FACADE_CLIENT_ID, { Ref: clientId });
    assert.equal(env.FACADE_SCOPES, 'openid email profile mcp/tools');
    assert.equal(env.MCP_REQUIRED_SCOPES, 'mcp/tools');
    // The created pool survives `cdk destroy` unless asked otherwise.
    assert.equal((json.Resources[poolId] as { DeletionPolicy?: string }).DeletionPolicy, 'Retain');
    const disposable = synth({ retainUserPool: 'false' }).json;
    const [dPoolId] = onlyResource(disposable, 'AWS::Cognito::UserPool');
    assert.equal((disposable.Resources[dPoolId] as { DeletionPolicy?: string }).DeletionPolicy, 'Delete');
  });

  it('imports a pool: no Cognito resources, region taken from the pool id', () => {
    const { json } = synth({ ...IMPORTED, region: 'us-east-1' });
    for (const type of ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolDomain']) {
      assert.equal(resourcesOf(json, type).length, 0, type);
    }
    const env = functionEnv(json);
    assert.equal(env.MCP_AUTH, 'cognito');
    assert.equal(env.COGNITO_REGION, 'eu-west-1');
    assert.equal(env.COGNITO_USER_POOL_ID, 'eu-west-1_AbC123');
    assert.equal(env.COGNITO_ALLOWED_CLIENT_IDS, 'client1abc,client2def');
    assert.equal(env.COGNITO_DOMAIN, 'my-login');
    assert.equal(env.MCP_AUTH_FACADE, undefined);
    assert.equal(env.FACADE_SECRET, undefined);
    assert.equal(env.MCP_REQUIRED_SCOPES, undefined);
    assert.equal(json.Outputs!.UserPoolId.Value, 'eu-west-1_AbC123');
    assert.equal(json.Outputs!.CognitoDomain.Value, 'my-login.auth.eu-west-1.amazoncognito.com');
    assert.match(joinText(json.Outputs!.McpClientCommand.Value), /^OAUTH_CLIENT_ID=client1abc mcp-client connect https:\/\//);
  });

  it('imports a pool with the facade on', () => {
    const { json } = synth({ ...IMPORTED, facade: 'true', facadeClientId: 'client2def' });
    const env = functionEnv(json);
    assert.equal(env.MCP_AUTH_FACADE, 'true');
    assert.equal(env.FACADE_CLIENT_ID, 'client2def');
    assert.match(joinText(env.FACADE_SECRET), /^\{\{resolve:secretsmanager:/);
    assert.ok(json.Outputs!.FacadeCallbackUrl);
    const paths = new Set(resourcePaths(json).values());
    for (const p of FACADE_PATHS) assert.ok(paths.has(p), p);
  });

  it('runs without authentication only when explicitly asked', () => {
    const { json } = synth({ allowInsecureNoAuth: 'true' });
    const env = functionEnv(json);
    assert.equal(env.MCP_AUTH, 'none');
    assert.equal(env.MCP_ALLOW_INSECURE_PUBLIC, 'true');
    assert.equal(env.COGNITO_USER_POOL_ID, undefined);
    assert.equal(resourcesOf(json, 'AWS::Cognito::UserPool').length, 0);
    assert.equal(resourcesOf(json, 'AWS::SecretsManager::Secret').length, 1, 'only the session secret');
  });

  it('derives a valid domain prefix from the function name', () => {
    assert.equal(domainPrefixBase('My_AWS_Cognito_Server'), 'my-server');
    assert.equal(domainPrefixBase('___'), 'mcp');
    assert.ok(domainPrefixBase('x'.repeat(64)).length <= 48);
  });
});

describe('outputs', () => {
  it('prints the URL, ids and connect commands', () => {
    const { json } = synth();
    for (const k of ['McpUrl', 'UserPoolId', 'UserPoolClientId', 'CognitoDomain', 'Region', 'ApiId', 'McpClientCommand', 'ClaudeCommand']) {
      assert.ok(json.Outputs![k], k);
    }
    assert.match(joinText(json.Outputs!.ClaudeCommand.Value), /^claude mcp add --transport http mcp-test https:\/\/.*\/prod\/mcp$/);
    assert.match(joinText(json.Outputs!.McpClientCommand.Value), /^mcp-client connect https:\/\/.*\/prod\/mcp$/);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  const variants: Record<string, string>[] = [
    {},
    IMPORTED,
    { ...IMPORTED, facade: 'true' },
    { allowInsecureNoAuth: 'true' },
    {
      apiKey: 'true',
      crossAccountRoleName: 'BedrockUsageReader',
      bedrockRoleArn: 'arn:aws:iam::210987654321:role/Reader',
      allowedOrigins: 'https://app.example.com',
      architecture: 'arm64',
      cognitoMfa: 'required',
      cognitoFeaturePlan: 'plus',
      apiGatewayCloudWatchRole: 'false',
      imageUri: '210987654321.dkr.ecr.us-east-1.amazonaws.com/mcp@sha256:' + 'a'.repeat(64),
    },
  ];
  for (const ctx of variants) {
    it(`has no unacknowledged errors or warnings: ${JSON.stringify(ctx)}`, () => {
      const { app } = build(ctx);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      assert.deepEqual(
        report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
        [],
      );
      // And synthesis (which runs the same pack as a validation plugin) succeeds.
      synth(ctx);
    });
  }

  it('still reports a new wildcard (acknowledgements are per finding)', () => {
    const { app, stack } = build();
    stack.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    const report = new AwsSolutionsChecks(app).validateScope(app);
    assert.deepEqual(report.violations.map((v) => v.ruleName), ['AwsSolutions-IAM5[Action::s3:*]']);
  });

  it('carries a reason for every acknowledgement into the template', () => {
    const { json } = synth();
    let count = 0;
    for (const r of Object.values(json.Resources)) {
      const nag = (r.Metadata?.cdk_nag as { rules_to_suppress: { id: string; reason: string }[] } | undefined)?.rules_to_suppress ?? [];
      for (const s of nag) {
        count++;
        assert.ok(s.reason.length > 40, `${s.id}: reason too short`);
      }
    }
    assert.ok(count > 0);
  });
});

describe('configuration checks', () => {
  const read = (ctx: Record<string, string>) => (k: string) => ({ functionName: 'f', dockerContext: dummyDockerContext(), ...ctx })[k];
  const bad: [Record<string, string>, RegExp][] = [
    [{ functionName: '' }, /functionName is required/],
    [{ functionName: 'has space' }, /functionName/],
    [{ memory: '64' }, /memory: 64 is outside 128\.\.10240/],
    [{ memory: '10241' }, /memory/],
    [{ timeout: '901' }, /timeout: 901 is outside 1\.\.900/],
    [{ timeout: '0' }, /timeout/],
    [{ stageName: 'pr-od' }, /stageName/],
    [{ architecture: 'mips' }, /architecture/],
    [{ imageUri: 'docker.io/library/mcp:latest' }, /imageUri/],
    [{ cognitoUserPoolId: 'eu-west-1_x' }, /cognitoClientIds is required/],
    [{ cognitoClientIds: 'abc' }, /need cognitoUserPoolId/],
    [{ ...IMPORTED, allowInsecureNoAuth: 'true' }, /cannot be combined/],
    [{ allowInsecureNoAuth: 'true', facade: 'true' }, /facade needs authentication/],
    [{ cognitoUserPoolId: 'eu-west-1_x', cognitoClientIds: 'abc', facade: 'true' }, /needs cognitoDomain/],
    [{ allowedOrigins: '*' }, /not accepted/],
    [{ allowedOrigins: 'https://a.example.com/path' }, /not an origin/],
    [{ logRetentionDays: '31' }, /CloudWatch accepts/],
    [{ callbackUrls: 'http://example.com/cb' }, /must be https/],
    [{ crossAccountRoleName: 'arn:aws:iam::1:role/x' }, /not an IAM role name/],
    [{ dockerContext: '/nonexistent' }, /no Dockerfile/],
  ];
  for (const [ctx, message] of bad) {
    it(`rejects ${JSON.stringify(ctx)}`, () => {
      assert.throws(() => configFromContext(read(ctx), '/'), (e: unknown) => e instanceof ConfigError && message.test(e.message));
    });
  }

  it('rejects an image from another region than the stack', () => {
    assert.throws(
      () => build({ region: 'eu-west-1', imageUri: '210987654321.dkr.ecr.us-east-1.amazonaws.com/mcp:v1' }),
      /Lambda pulls images from its own region/,
    );
  });

  it('accepts the defaults', () => {
    const c = configFromContext(read({}), '/');
    assert.equal(c.stageName, 'prod');
    assert.equal(c.facade, true);
    assert.equal(c.apiKey, false);
    assert.deepEqual(c.allowedOrigins, []);
    assert.equal(c.logRetentionDays, 30);
  });
});
