// The stack: mcp-server as a container-image Lambda function behind an API
// Gateway REST API whose Lambda proxy integrations stream responses
// (responseTransferMode STREAM -> InvokeWithResponseStream), an Amazon Cognito
// user pool (created or imported), the session secrets, log groups with
// retention, an optional usage plan with an API key, and a least-privilege
// execution role.
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ConfigError,
  LOCAL_CALLBACK_URL,
  RESOURCE_SERVER_ID,
  RESOURCE_SERVER_SCOPE,
  type McpStackConfig,
  parseImageUri,
} from './config';
import { addNagSuppressions } from './nag';

export interface McpServerStackProps extends StackProps {
  readonly config: McpStackConfig;
}

/** Paths the function serves, relative to the stage, and their methods. */
export interface Route {
  readonly path: string;
  readonly methods: string[];
  /** Whether an API key (when enabled) is required: only the MCP endpoint itself. */
  readonly apiKey: boolean;
}

export const MCP_PATH = '/mcp';

export function routesFor(config: McpStackConfig): Route[] {
  const routes: Route[] = [
    { path: MCP_PATH, methods: ['POST', 'GET', 'DELETE'], apiKey: true },
    // RFC 9728 protected-resource metadata; the server publishes
    // <base>/.well-known/oauth-protected-resource/mcp in its WWW-Authenticate.
    { path: '/.well-known/oauth-protected-resource', methods: ['GET'], apiKey: false },
    { path: '/.well-known/oauth-protected-resource/mcp', methods: ['GET'], apiKey: false },
  ];
  if (config.facade) {
    // The login facade (src/mcp/auth/facade.hpp): RFC 8414 / OIDC metadata at
    // the stage base (clients also try <base>/.well-known/openid-configuration),
    // RFC 7591 registration, authorize + consent, the upstream callback, the
    // token endpoint and its (empty) key set.
    routes.push(
      { path: '/.well-known/oauth-authorization-server', methods: ['GET'], apiKey: false },
      { path: '/.well-known/openid-configuration', methods: ['GET'], apiKey: false },
      { path: '/oauth/register', methods: ['POST'], apiKey: false },
      { path: '/oauth/authorize', methods: ['GET', 'POST'], apiKey: false },
      { path: '/oauth/callback', methods: ['GET'], apiKey: false },
      { path: '/oauth/token', methods: ['POST'], apiKey: false },
      { path: '/oauth/jwks', methods: ['GET'], apiKey: false },
    );
  }
  return routes;
}

/** A Cognito domain prefix from the function name: lower case, no aws/amazon/cognito. */
export function domainPrefixBase(functionName: string): string {
  let s = functionName.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  for (;;) {
    const next = s.replace(/aws|amazon|cognito/g, '');
    if (next === s) break;
    s = next;
  }
  s = s.replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 48).replace(/-$/, '');
  return s === '' ? 'mcp' : s;
}

export class McpServerStack extends Stack {
  readonly api: apigw.RestApi;
  readonly fn: lambda.DockerImageFunction;
  readonly role: iam.Role;
  readonly sessionSecret: secrets.Secret;
  readonly userPool?: cognito.UserPool;
  readonly userPoolClient?: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: McpServerStackProps) {
    super(scope, id, props);
    const c = props.config;
    const retention = c.logRetentionDays as logs.RetentionDays;

    // ---- REST API shell first: its id (not its stage) goes into URLs below,
    // so the function and the app client depend on the API, never the reverse.
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${c.functionName}-api`,
      description: `MCP server ${c.functionName} (Lambda response streaming)`,
      // Edge-optimised endpoints cut idle streams after 30 s; regional ones after 5 min.
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: c.apiGatewayCloudWatchRole,
      ...(c.apiGatewayCloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: c.stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            requestTime: apigw.AccessLogField.contextRequestTime(),
            httpMethod: apigw.AccessLogField.contextHttpMethod(),
            resourcePath: apigw.AccessLogField.contextResourcePath(),
            status: apigw.AccessLogField.contextStatus(),
            protocol: apigw.AccessLogField.contextProtocol(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
            integrationStatus: apigw.AccessLogField.contextIntegrationStatus(),
            errorMessage: apigw.AccessLogField.contextErrorMessage(),
            userAgent: apigw.AccessLogField.contextIdentityUserAgent(),
            apiKeyId: apigw.AccessLogField.contextIdentityApiKeyId(),
          }),
        ),
        metricsEnabled: true,
      },
    });
    const host = `${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    const baseUrl = `https://${host}/${c.stageName}`;
    const mcpUrl = `${baseUrl}${MCP_PATH}`;
    const facadeCallbackUrl = `${baseUrl}/oauth/callback`;

    // ---- Secrets (CloudFormation resolves them into the function's env at deploy time).
    this.sessionSecret = new secrets.Secret(this, 'SessionSecret', {
      description: `Signs the MCP session ids of ${c.functionName}`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    const facadeSecret = c.facade
      ? new secrets.Secret(this, 'FacadeSecret', {
          description: `Seals the login facade's client ids, codes and refresh tokens of ${c.functionName}`,
          generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
        })
      : undefined;

    // ---- Cognito
    const env: Record<string, string> = {};
    let poolIdOut: string | undefined;
    let clientIdOut: string | undefined;
    let domainOut: string | undefined;
    let mcpClientCommand: string;
    if (c.allowInsecureNoAuth) {
      env.MCP_AUTH = 'none';
      env.MCP_ALLOW_INSECURE_PUBLIC = 'true';
      mcpClientCommand = `mcp-client connect ${mcpUrl}`;
    } else if (c.importedCognito) {
      const ic = c.importedCognito;
      env.MCP_AUTH = 'cognito';
      env.COGNITO_REGION = ic.region;
      env.COGNITO_USER_POOL_ID = ic.userPoolId;
      env.COGNITO_ALLOWED_CLIENT_IDS = ic.clientIds.join(',');
      if (ic.domain !== '') env.COGNITO_DOMAIN = ic.domain;
      if (c.facade) {
        env.MCP_AUTH_FACADE = 'true';
        env.FACADE_CLIENT_ID = c.facadeClientId ?? ic.clientIds[0];
      }
      poolIdOut = ic.userPoolId;
      clientIdOut = c.facade ? env.FACADE_CLIENT_ID : ic.clientIds[0];
      domainOut = ic.domain.includes('.')
        ? ic.domain.replace(/^https:\/\//, '').replace(/\/$/, '')
        : ic.domain === ''
          ? undefined
          : `${ic.domain}.auth.${ic.region}.amazoncognito.com`;
      mcpClientCommand = c.facade
        ? `mcp-client connect ${mcpUrl}`
        : `OAUTH_CLIENT_ID=${ic.clientIds[0]} mcp-client connect ${mcpUrl}`;
    } else {
      const pool = new cognito.UserPool(this, 'UserPool', {
        userPoolName: `${c.functionName}-users`,
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        autoVerify: { email: true },
        standardAttributes: { email: { required: true, mutable: true } },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        mfa: c.cognitoMfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        removalPolicy: c.retainUserPool ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        ...(c.cognitoFeaturePlan === 'plus'
          ? {
              featurePlan: cognito.FeaturePlan.PLUS,
              standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            }
          : { featurePlan: cognito.FeaturePlan.ESSENTIALS }),
      });
      const toolsScope = new cognito.ResourceServerScope({
        scopeName: RESOURCE_SERVER_SCOPE,
        scopeDescription: 'Use the MCP server tools',
      });
      const resourceServer = pool.addResourceServer('ResourceServer', {
        identifier: RESOURCE_SERVER_ID,
        userPoolResourceServerName: `${c.functionName} MCP server`,
        scopes: [toolsScope],
      });
      const prefix = c.cognitoDomainPrefix ?? `${domainPrefixBase(c.functionName)}-${Aws.ACCOUNT_ID}`;
      const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: prefix } });
      const callbackUrls = [LOCAL_CALLBACK_URL, ...c.callbackUrls];
      if (c.facade) callbackUrls.push(facadeCallbackUrl);
      const client = pool.addClient('McpClient', {
        userPoolClientName: `${c.functionName}-mcp`,
        generateSecret: false,
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [
            cognito.OAuthScope.OPENID,
            cognito.OAuthScope.EMAIL,
            cognito.OAuthScope.PROFILE,
            cognito.OAuthScope.resourceServer(resourceServer, toolsScope),
          ],
          callbackUrls,
        },
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(30),
        refreshTokenRotationGracePeriod: Duration.seconds(10),
      });
      this.userPool = pool;
      this.userPoolClient = client;
      env.MCP_AUTH = 'cognito';
      env.COGNITO_REGION = Aws.REGION;
      env.COGNITO_USER_POOL_ID = pool.userPoolId;
      env.COGNITO_ALLOWED_CLIENT_IDS = client.userPoolClientId;
      env.COGNITO_DOMAIN = domain.domainName;
      if (c.facade) {
        env.MCP_AUTH_FACADE = 'true';
        env.FACADE_CLIENT_ID = client.userPoolClientId;
      }
      poolIdOut = pool.userPoolId;
      clientIdOut = client.userPoolClientId;
      domainOut = `${domain.domainName}.auth.${Aws.REGION}.amazoncognito.com`;
      mcpClientCommand = c.facade
        ? `mcp-client connect ${mcpUrl}`
        : `OAUTH_CLIENT_ID=${client.userPoolClientId} mcp-client connect ${mcpUrl}`;
    }
    if (c.facade && facadeSecret) {
      env.FACADE_SCOPES = c.facadeScopes.join(' ');
      env.FACADE_SECRET = facadeSecret.secretValue.unsafeUnwrap();
    }
    if (!c.allowInsecureNoAuth && c.requiredScopes.length > 0) env.MCP_REQUIRED_SCOPES = c.requiredScopes.join(' ');

    env.MCP_PUBLIC_URL = mcpUrl;
    env.MCP_LAMBDA_RESPONSE_MODE = 'streaming';
    env.MCP_LOG_LEVEL = c.logLevel;
    // A CloudFormation dynamic reference ({{resolve:secretsmanager:...}}), not the value.
    env.MCP_SESSION_SECRET = this.sessionSecret.secretValue.unsafeUnwrap();
    env.BEDROCK_LOG_GROUP = c.bedrockLogGroup;
    if (c.crossAccountRoleName) env.BEDROCK_CROSS_ACCOUNT_ROLE_NAME = c.crossAccountRoleName;
    if (c.bedrockRoleArn) env.BEDROCK_ROLE_ARN = c.bedrockRoleArn;
    if (c.allowedOrigins.length > 0) env.MCP_ALLOWED_ORIGINS = c.allowedOrigins.join(',');

    // ---- Execution role: only what mcp-server calls (see the nag reasons in nag.ts).
    const functionLogs = new logs.LogGroup(this, 'FunctionLogs', {
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the MCP server ${c.functionName}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [functionLogs.logGroupArn],
      }),
    );
    const bedrockLogGroupArn = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${c.bedrockLogGroup}`;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadBedrockInvocationLogs',
        actions: ['logs:FilterLogEvents', 'logs:StartQuery'],
        resources: [bedrockLogGroupArn, `${bedrockLogGroupArn}:*`],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LogsInsightsQueryResults',
        actions: ['logs:GetQueryResults', 'logs:StopQuery'],
        resources: ['*'],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FindBedrockLogGroup',
        actions: ['logs:DescribeLogGroups'],
        resources: ['*'],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CostExplorerRead',
        actions: ['ce:GetCostAndUsage', 'ce:GetDimensionValues'],
        resources: ['*'],
      }),
    );
    const assumable: string[] = [];
    if (c.crossAccountRoleName) assumable.push(`arn:${Aws.PARTITION}:iam::*:role/${c.crossAccountRoleName}`);
    if (c.bedrockRoleArn) assumable.push(c.bedrockRoleArn);
    if (assumable.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'AssumeBedrockReaderRoles', actions: ['sts:AssumeRole'], resources: assumable }),
      );
    }

    // ---- The function
    const platform = c.architecture === 'arm64' ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64;
    let code: lambda.DockerImageCode;
    if (c.imageUri) {
      const image = parseImageUri(c.imageUri)!;
      if (c.region && image.region !== c.region) {
        throw new ConfigError(`imageUri is in ${image.region} but the stack deploys to ${c.region}; Lambda pulls images from its own region`);
      }
      const repo = ecr.Repository.fromRepositoryAttributes(this, 'ImageRepository', {
        repositoryName: image.repository,
        repositoryArn: `arn:${Aws.PARTITION}:ecr:${image.region}:${image.account}:repository/${image.repository}`,
      });
      code = lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: image.tagOrDigest });
    } else {
      code = lambda.DockerImageCode.fromImageAsset(c.dockerContext, {
        file: c.dockerfile,
        platform,
        // Never ship (or hash) build trees, dependencies or this app's output.
        exclude: ['.git', 'build', 'build-*', 'out', 'infra', '**/node_modules', '**/cdk.out', 'tests/results', 'bench/results', '.cache'],
      });
    }
    this.fn = new lambda.DockerImageFunction(this, 'Function', {
      functionName: c.functionName,
      description: `bedrock-usage-mcp: MCP server for Amazon Bedrock usage and spend (secrets generation ${c.secretsGeneration})`,
      code,
      architecture: c.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      memorySize: c.memoryMb,
      timeout: Duration.seconds(c.timeoutSeconds),
      role: this.role,
      logGroup: functionLogs,
      environment: env,
    });
    this.sessionSecret.grantRead(this.role);
    facadeSecret?.grantRead(this.role);

    // ---- Routes: every method is a streaming Lambda proxy integration.
    const integration = new apigw.LambdaIntegration(this.fn, {
      proxy: true,
      responseTransferMode: apigw.ResponseTransferMode.STREAM,
      // With STREAM the integration may run up to 15 minutes; match the function.
      timeout: Duration.seconds(c.timeoutSeconds),
      allowTestInvoke: false,
    });
    const methods: apigw.Method[] = [];
    for (const route of routesFor(c)) {
      const resource = this.api.root.resourceForPath(route.path);
      const verbs = c.allowedOrigins.length > 0 ? [...route.methods, 'OPTIONS'] : route.methods;
      for (const verb of verbs) {
        // No API Gateway authorizer: the function verifies the bearer token
        // itself (issuer, signature, client id, scopes) and must answer 401
        // with a WWW-Authenticate pointing at its metadata, which discovery
        // routes need unauthenticated anyway. CORS preflights (OPTIONS, only
        // when allowedOrigins is set) go to the function too, which answers
        // for the listed origins only.
        const m = resource.addMethod(verb, integration, {
          authorizationType: apigw.AuthorizationType.NONE,
          apiKeyRequired: c.apiKey && route.apiKey && verb !== 'OPTIONS',
        });
        methods.push(m);
      }
    }

    // ---- Optional usage plan + API key (throttling per key; not authentication).
    let apiKeyId: string | undefined;
    if (c.apiKey) {
      const plan = this.api.addUsagePlan('UsagePlan', {
        name: `${c.functionName}-usage-plan`,
        description: `Throttle and quota of ${c.functionName} API keys`,
        throttle: { rateLimit: c.apiKeyRateLimit, burstLimit: c.apiKeyBurstLimit },
        quota: { limit: c.apiKeyQuotaLimit, period: apigw.Period[c.apiKeyQuotaPeriod] },
      });
      plan.addApiStage({ stage: this.api.deploymentStage });
      const key = this.api.addApiKey('ApiKey', {
        apiKeyName: `${c.functionName}-key`,
        description: `API key of ${c.functionName}`,
      });
      plan.addApiKey(key);
      apiKeyId = key.keyId;
    }

    // ---- Outputs
    new CfnOutput(this, 'McpUrl', { value: mcpUrl, description: 'MCP endpoint (Streamable HTTP)' });
    new CfnOutput(this, 'ApiId', { value: this.api.restApiId });
    new CfnOutput(this, 'StageName', { value: c.stageName });
    new CfnOutput(this, 'Region', { value: Aws.REGION });
    new CfnOutput(this, 'FunctionName', { value: this.fn.functionName });
    new CfnOutput(this, 'FunctionLogGroup', { value: functionLogs.logGroupName });
    new CfnOutput(this, 'AccessLogGroup', { value: accessLogs.logGroupName });
    new CfnOutput(this, 'AuthMode', { value: env.MCP_AUTH + (c.facade ? ' + login facade' : '') });
    if (poolIdOut) new CfnOutput(this, 'UserPoolId', { value: poolIdOut });
    if (clientIdOut) new CfnOutput(this, 'UserPoolClientId', { value: clientIdOut });
    if (domainOut) new CfnOutput(this, 'CognitoDomain', { value: domainOut });
    if (c.facade) {
      new CfnOutput(this, 'FacadeCallbackUrl', {
        value: facadeCallbackUrl,
        description: 'Must be an allowed callback URL of the facade app client',
      });
    }
    const header = c.apiKey ? ' --header "x-api-key: <value of ApiKeyId>"' : '';
    new CfnOutput(this, 'McpClientCommand', { value: mcpClientCommand });
    new CfnOutput(this, 'ClaudeCommand', {
      value: `claude mcp add --transport http ${c.functionName} ${mcpUrl}${header}`,
    });
    if (apiKeyId) {
      new CfnOutput(this, 'ApiKeyId', { value: apiKeyId });
      new CfnOutput(this, 'ApiKeyValueCommand', {
        value: Fn.join('', [
          'aws apigateway get-api-key --include-value --query value --output text --region ',
          Aws.REGION,
          ' --api-key ',
          apiKeyId,
        ]),
      });
    }
    new CfnOutput(this, 'SessionSecretArn', { value: this.sessionSecret.secretArn });

    addNagSuppressions(this, {
      config: c,
      role: this.role,
      api: this.api,
      methods,
      userPool: this.userPool,
      sessionSecret: this.sessionSecret,
      facadeSecret,
    });
  }
}
