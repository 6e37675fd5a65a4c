// Deployment parameters of the MCP server stack: their defaults, how they are
// read from CDK context (`cdk deploy -c functionName=x -c apiKey=true ...`,
// which is what scripts/deploy passes) and the checks that reject bad values
// before anything reaches CloudFormation.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Architecture = 'x86_64' | 'arm64';
export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

export interface ImportedCognito {
  readonly userPoolId: string;
  /** The pool's region, taken from the pool id (it may differ from the stack's). */
  readonly region: string;
  /** Domain prefix or full domain of the managed login pages; may be empty. */
  readonly domain: string;
  readonly clientIds: string[];
}

export interface McpStackConfig {
  readonly functionName: string;
  /** Target region; undefined = the CLI's default region (CDK_DEFAULT_REGION). */
  readonly region?: string;
  readonly architecture: Architecture;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly stageName: string;

  /** Existing image in ECR; when unset the image is built from `dockerfile` in `dockerContext`. */
  readonly imageUri?: string;
  readonly dockerContext: string;
  readonly dockerfile: string;

  readonly bedrockLogGroup: string;
  readonly crossAccountRoleName?: string;
  readonly bedrockRoleArn?: string;

  /** true only when the user asked for --no-auth: MCP_AUTH=none on a public URL. */
  readonly allowInsecureNoAuth: boolean;
  /** Set when an existing user pool is used; undefined = the stack creates one (unless no-auth). */
  readonly importedCognito?: ImportedCognito;
  /** Prefix of the created pool's login domain; default derived from the function name and account. */
  readonly cognitoDomainPrefix?: string;
  /** Extra OAuth callback URLs of the created app client. */
  readonly callbackUrls: string[];
  /** Keep the created user pool when the stack is deleted. */
  readonly retainUserPool: boolean;
  /** MFA of the created pool: optional (TOTP) or required. */
  readonly cognitoMfa: 'optional' | 'required';
  /** Feature plan of the created pool: essentials, or plus (threat protection enforced). */
  readonly cognitoFeaturePlan: 'essentials' | 'plus';
  readonly facade: boolean;
  readonly facadeClientId?: string;
  readonly facadeScopes: string[];
  readonly requiredScopes: string[];

  readonly apiKey: boolean;
  readonly apiKeyRateLimit: number;
  readonly apiKeyBurstLimit: number;
  readonly apiKeyQuotaLimit: number;
  readonly apiKeyQuotaPeriod: QuotaPeriod;

  readonly allowedOrigins: string[];
  readonly logRetentionDays: number;
  readonly apiGatewayCloudWatchRole: boolean;
  readonly logLevel: string;
  /**
   * Bump after changing a secret's value: the function is updated and
   * CloudFormation resolves the secrets again (dynamic references are only
   * resolved when the resource changes).
   */
  readonly secretsGeneration: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What CDK context gives us: strings from `-c k=v`, any JSON value from cdk.json. */
export type ContextReader = (key: string) => unknown;

/** Scope of the resource server the created pool gets, and the scope MCP requests need by default. */
export const RESOURCE_SERVER_ID = 'mcp';
export const RESOURCE_SERVER_SCOPE = 'tools';
export const TOOLS_SCOPE = `${RESOURCE_SERVER_ID}/${RESOURCE_SERVER_SCOPE}`;
export const LOCAL_CALLBACK_URL = 'http://localhost:8000/callback';

// CloudWatch Logs accepts only these retention values.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function str(read: ContextReader, key: string): string | undefined {
  const v = read(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ConfigError(`context ${key}: expected a string, got ${JSON.stringify(v)}`);
}

function bool(read: ContextReader, key: string, fallback: boolean): boolean {
  const v = read(key);
  if (v === undefined || v === null || v === '') return fallback;
  if (v === true || v === 'true' || v === '1' || v === 'yes') return true;
  if (v === false || v === 'false' || v === '0' || v === 'no') return false;
  throw new ConfigError(`context ${key}: expected true or false, got ${JSON.stringify(v)}`);
}

function optionalBool(read: ContextReader, key: string): boolean | undefined {
  const v = read(key);
  if (v === undefined || v === null || v === '') return undefined;
  return bool(read, key, false);
}

function int(read: ContextReader, key: string, fallback: number, min: number, max: number): number {
  const s = str(read, key);
  if (s === undefined) return fallback;
  if (!/^[0-9]+$/.test(s)) throw new ConfigError(`context ${key}: expected a whole number, got '${s}'`);
  const n = Number(s);
  if (n < min || n > max) throw new ConfigError(`context ${key}: ${n} is outside ${min}..${max}`);
  return n;
}

function list(read: ContextReader, key: string, separators = /[,\s]+/): string[] {
  const v = read(key);
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter((x) => x !== '');
  const s = str(read, key);
  if (s === undefined) return [];
  return s.split(separators).map((x) => x.trim()).filter((x) => x !== '');
}

function checkUrl(what: string, url: string, allowLoopbackHttp: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${what}: '${url}' is not a URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && allowLoopbackHttp && loopback) return;
  // Private-use schemes (cursor://, com.example.app:/cb) are fine for native apps.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && /^[a-z][a-z0-9+.-]*:$/.test(parsed.protocol)) return;
  throw new ConfigError(`${what}: '${url}' must be https (http only for localhost)`);
}

/**
 * Reads and validates every parameter. `repoRoot` is the default Docker build
 * context (the repository root, where the Dockerfile lives).
 */
export function configFromContext(read: ContextReader, repoRoot: string): McpStackConfig {
  const functionName = str(read, 'functionName');
  if (functionName === undefined) {
    throw new ConfigError('context functionName is required (e.g. cdk synth -c functionName=bedrock-usage-mcp)');
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
    throw new ConfigError(`functionName '${functionName}': use 1-64 letters, digits, '-' or '_'`);
  }

  const region = str(read, 'region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region)) {
    throw new ConfigError(`region '${region}' is not an AWS region name`);
  }

  const architecture = (str(read, 'architecture') ?? 'x86_64') as Architecture;
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    throw new ConfigError(`architecture '${architecture}': use x86_64 or arm64`);
  }

  const stageName = str(read, 'stageName') ?? 'prod';
  if (!/^[A-Za-z0-9_]{1,128}$/.test(stageName)) {
    throw new ConfigError(`stageName '${stageName}': use letters, digits and '_' only`);
  }

  const imageUri = str(read, 'imageUri');
  if (imageUri !== undefined && parseImageUri(imageUri) === undefined) {
    throw new ConfigError(
      `imageUri '${imageUri}': expected <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@sha256:digest]`,
    );
  }

  const dockerContext = path.resolve(str(read, 'dockerContext') ?? repoRoot);
  const dockerfile = str(read, 'dockerfile') ?? 'Dockerfile';
  if (imageUri === undefined && !fs.existsSync(path.join(dockerContext, dockerfile))) {
    throw new ConfigError(
      `no ${dockerfile} in ${dockerContext}: pass imageUri (an image in ECR) or dockerContext (a directory with a Dockerfile)`,
    );
  }

  const bedrockLogGroup = str(read, 'logGroup') ?? '/aws/bedrock/modelinvocations';
  if (!/^[A-Za-z0-9._\-/#]{1,512}$/.test(bedrockLogGroup)) {
    throw new ConfigError(`logGroup '${bedrockLogGroup}' is not a CloudWatch log group name`);
  }
  const crossAccountRoleName = str(read, 'crossAccountRoleName');
  if (crossAccountRoleName !== undefined && !/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(crossAccountRoleName)) {
    throw new ConfigError(`crossAccountRoleName '${crossAccountRoleName}' is not an IAM role name (no path, no ARN)`);
  }
  const bedrockRoleArn = str(read, 'bedrockRoleArn');
  if (bedrockRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/.test(bedrockRoleArn)) {
    throw new ConfigError(`bedrockRoleArn '${bedrockRoleArn}' is not an IAM role ARN`);
  }

  const allowInsecureNoAuth = bool(read, 'allowInsecureNoAuth', false);
  const userPoolId = str(read, 'cognitoUserPoolId');
  const cognitoDomain = str(read, 'cognitoDomain');
  const clientIds = list(read, 'cognitoClientIds', /,/);
  let importedCognito: ImportedCognito | undefined;
  if (userPoolId !== undefined) {
    const m = /^([a-z]{2}(?:-[a-z]+)+-[0-9]+)_[0-9A-Za-z]+$/.exec(userPoolId);
    if (!m) throw new ConfigError(`cognitoUserPoolId '${userPoolId}' is not a user pool id (e.g. us-east-1_AbC123)`);
    if (clientIds.length === 0) {
      throw new ConfigError('cognitoClientIds is required with cognitoUserPoolId (comma-separated app client ids)');
    }
    for (const id of clientIds) {
      if (!/^[a-z0-9]{1,128}$/.test(id)) throw new ConfigError(`cognitoClientIds: '${id}' is not an app client id`);
    }
    if (cognitoDomain !== undefined && !/^(https:\/\/)?[A-Za-z0-9.-]+\/?$/.test(cognitoDomain)) {
      throw new ConfigError(`cognitoDomain '${cognitoDomain}' is not a domain prefix or domain name`);
    }
    importedCognito = { userPoolId, region: m[1], domain: cognitoDomain ?? '', clientIds };
  } else if (cognitoDomain !== undefined || clientIds.length > 0) {
    throw new ConfigError('cognitoDomain and cognitoClientIds need cognitoUserPoolId (an imported user pool)');
  }
  if (allowInsecureNoAuth && importedCognito !== undefined) {
    throw new ConfigError('allowInsecureNoAuth (--no-auth) cannot be combined with a Cognito user pool');
  }

  const cognitoDomainPrefix = str(read, 'cognitoDomainPrefix');
  if (cognitoDomainPrefix !== undefined) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(cognitoDomainPrefix) || /aws|amazon|cognito/.test(cognitoDomainPrefix)) {
      throw new ConfigError(
        `cognitoDomainPrefix '${cognitoDomainPrefix}': lower-case letters, digits and '-', at most 63, without aws/amazon/cognito`,
      );
    }
    if (importedCognito !== undefined || allowInsecureNoAuth) {
      throw new ConfigError('cognitoDomainPrefix only applies to a user pool this stack creates');
    }
  }
  const callbackUrls = list(read, 'callbackUrls', /,/);
  for (const u of callbackUrls) checkUrl('callbackUrls', u, true);

  const createsPool = importedCognito === undefined && !allowInsecureNoAuth;
  const facadeWanted = optionalBool(read, 'facade');
  const facade = facadeWanted ?? createsPool;
  if (facade && allowInsecureNoAuth) throw new ConfigError('facade needs authentication; it cannot be used with allowInsecureNoAuth');
  if (facade && importedCognito !== undefined && importedCognito.domain === '') {
    throw new ConfigError('facade with an imported user pool needs cognitoDomain (the facade logs users in there)');
  }
  const facadeClientId = str(read, 'facadeClientId');
  if (facadeClientId !== undefined) {
    if (importedCognito === undefined) throw new ConfigError('facadeClientId only applies to an imported user pool');
    if (!importedCognito.clientIds.includes(facadeClientId)) {
      throw new ConfigError(`facadeClientId '${facadeClientId}' must be one of cognitoClientIds`);
    }
  }
  const requiredScopes = read('requiredScopes') === undefined ? (createsPool ? [TOOLS_SCOPE] : []) : list(read, 'requiredScopes');
  const facadeScopesRead = list(read, 'facadeScopes');
  const facadeScopes =
    facadeScopesRead.length > 0
      ? facadeScopesRead
      : ['openid', 'email', 'profile', ...(createsPool ? [TOOLS_SCOPE] : []), ...requiredScopes].filter(
          (s, i, all) => all.indexOf(s) === i,
        );

  const allowedOrigins = list(read, 'allowedOrigins', /,/);
  for (const o of allowedOrigins) {
    if (o === '*') throw new ConfigError("allowedOrigins: '*' is not accepted; list the origins");
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(o)) {
      throw new ConfigError(`allowedOrigins: '${o}' is not an origin (scheme://host[:port], no path)`);
    }
  }

  const logRetentionDays = int(read, 'logRetentionDays', 30, 1, 3653);
  if (!RETENTION_DAYS.includes(logRetentionDays)) {
    throw new ConfigError(`logRetentionDays ${logRetentionDays}: CloudWatch accepts ${RETENTION_DAYS.join(', ')}`);
  }

  const apiKeyQuotaPeriod = (str(read, 'apiKeyQuotaPeriod') ?? 'MONTH').toUpperCase() as QuotaPeriod;
  if (!['DAY', 'WEEK', 'MONTH'].includes(apiKeyQuotaPeriod)) {
    throw new ConfigError(`apiKeyQuotaPeriod '${apiKeyQuotaPeriod}': use DAY, WEEK or MONTH`);
  }
  const logLevel = str(read, 'logLevel') ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'off'].includes(logLevel)) {
    throw new ConfigError(`logLevel '${logLevel}': use debug, info, warn, error or off`);
  }

  const cognitoMfa = (str(read, 'cognitoMfa') ?? 'optional') as 'optional' | 'required';
  if (cognitoMfa !== 'optional' && cognitoMfa !== 'required') {
    throw new ConfigError(`cognitoMfa '${cognitoMfa}': use optional or required`);
  }
  const cognitoFeaturePlan = (str(read, 'cognitoFeaturePlan') ?? 'essentials') as 'essentials' | 'plus';
  if (cognitoFeaturePlan !== 'essentials' && cognitoFeaturePlan !== 'plus') {
    throw new ConfigError(`cognitoFeaturePlan '${cognitoFeaturePlan}': use essentials or plus`);
  }
  if (!createsPool && (read('cognitoMfa') !== undefined || read('cognitoFeaturePlan') !== undefined)) {
    throw new ConfigError('cognitoMfa and cognitoFeaturePlan only apply to a user pool this stack creates');
  }

  return {
    functionName,
    region,
    architecture,
    memoryMb: int(read, 'memory', 512, 128, 10240),
    timeoutSeconds: int(read, 'timeout', 300, 1, 900),
    stageName,
    imageUri,
    dockerContext,
    dockerfile,
    bedrockLogGroup,
    crossAccountRoleName,
    bedrockRoleArn,
    allowInsecureNoAuth,
    importedCognito,
    cognitoDomainPrefix,
    callbackUrls,
    retainUserPool: bool(read, 'retainUserPool', true),
    cognitoMfa,
    cognitoFeaturePlan,
    facade,
    facadeClientId,
    facadeScopes,
    requiredScopes,
    apiKey: bool(read, 'apiKey', false),
    apiKeyRateLimit: int(read, 'apiKeyRateLimit', 5, 1, 10000),
    apiKeyBurstLimit: int(read, 'apiKeyBurstLimit', 10, 0, 5000),
    apiKeyQuotaLimit: int(read, 'apiKeyQuotaLimit', 1000, 1, 2_000_000_000),
    apiKeyQuotaPeriod,
    allowedOrigins,
    logRetentionDays,
    apiGatewayCloudWatchRole: bool(read, 'apiGatewayCloudWatchRole', true),
    logLevel,
    secretsGeneration: int(read, 'secretsGeneration', 1, 1, 1_000_000),
  };
}

export interface ParsedImageUri {
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  /** Tag or digest (sha256:...); 'latest' when the URI names neither. */
  readonly tagOrDigest: string;
}

export function parseImageUri(uri: string): ParsedImageUri | undefined {
  const m =
    /^([0-9]{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-[0-9]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(sha256:[a-f0-9]{64}))?$/.exec(
      uri,
    );
  if (!m) return undefined;
  return { account: m[1], region: m[2], repository: m[3], tagOrDigest: m[4] ?? m[5] ?? 'latest' };
}

/** CloudFormation stack name for a function name (stack names cannot contain '_'). */
export function stackNameFor(functionName: string): string {
  return `McpServer-${functionName.replace(/_/g, '-')}`;
}
