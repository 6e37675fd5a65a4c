// Every cdk-nag (AwsSolutions) finding this stack accepts, each with the
// reason it is acceptable here. Acknowledgements are per finding (cdk-nag 3:
// `RuleId[finding]` for granular rules), so a new wildcard or a new managed
// policy still fails `cdk synth` and the tests.
import { Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import type { McpStackConfig } from './config';

export interface NagTargets {
  readonly config: McpStackConfig;
  readonly role: iam.Role;
  readonly api: apigw.RestApi;
  readonly methods: apigw.Method[];
  readonly userPool?: cognito.UserPool;
  readonly sessionSecret: secrets.Secret;
  readonly facadeSecret?: secrets.Secret;
}

/** The `Resource::` spelling cdk-nag uses for an ARN built from pseudo parameters. */
function nagArn(service: string, resource: string, regional = true): string {
  return `Resource::arn:<AWS::Partition>:${service}:${regional ? '<AWS::Region>' : ''}:${regional ? '<AWS::AccountId>' : ''}:${resource}`;
}

export function addNagSuppressions(stack: Stack, t: NagTargets): void {
  const c = t.config;
  const ack = (scope: { node: unknown }, id: string, reason: string) =>
    Validations.of(scope as Stack).acknowledge({ id, reason });

  // ---- API Gateway
  ack(
    t.api,
    'AwsSolutions-APIG2',
    'Every route is a Lambda proxy passthrough to mcp-server, which validates each request itself (method, ' +
      'content type, body size limit, strict JSON-RPC parsing, MCP-Protocol-Version) and answers with ' +
      'protocol-correct errors; API Gateway request validators would only duplicate the presence checks.',
  );
  ack(
    t.api.deploymentStage,
    'AwsSolutions-APIG6',
    'Access logging is on (JSON, to a log group with retention) and the function logs every request with ' +
      'its request id. Execution logging would write request data to API-Gateway-Execution-Logs_* groups ' +
      'that this stack cannot give a retention, so it stays off.',
  );
  ack(
    t.api.deploymentStage,
    'AwsSolutions-APIG3',
    'No AWS WAF web ACL by default (it has a monthly cost); the API is regional so a web ACL can be ' +
      'associated with the stage later (docs/DEPLOY.md). Stage and usage-plan throttling still apply.',
  );
  if (c.apiGatewayCloudWatchRole) {
    const cwRole = t.api.node.tryFindChild('CloudWatchRole');
    if (cwRole) {
      ack(
        cwRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'This is the account-level role API Gateway uses to write access logs for every REST API in the ' +
          'region (AWS::ApiGateway::Account); AWS documents this managed policy for it, and narrowing it to ' +
          'one log group would break the logging of other APIs in the account.',
      );
    }
  }
  const noAuthorizerReason =
    'Deliberately no API Gateway authorizer: mcp-server verifies the Cognito access token itself (RS256 ' +
    'signature against the pool JWKS, issuer, token_use, client id allow-list, expiry, required scopes) and ' +
    'must answer 401 with a WWW-Authenticate that points at its RFC 9728 metadata, which an authorizer ' +
    'would replace with its own response. Discovery and OAuth facade routes must be reachable without a ' +
    'token by design.';
  for (const m of t.methods) {
    ack(m, 'AwsSolutions-APIG4', noAuthorizerReason);
    ack(m, 'AwsSolutions-COG4', noAuthorizerReason);
  }

  // ---- Secrets
  const rotationReason =
    'The value reaches the function as an environment variable resolved by CloudFormation at deploy time, ' +
    'so a scheduled rotation would not reach running instances and would invalidate live MCP sessions ' +
    '(and facade registrations); rotate by writing a new value and redeploying with a higher ' +
    'secretsGeneration (docs/DEPLOY.md).';
  ack(t.sessionSecret, 'AwsSolutions-SMG4', rotationReason);
  if (t.facadeSecret) ack(t.facadeSecret, 'AwsSolutions-SMG4', rotationReason);

  // ---- Cognito (created pool only)
  if (t.userPool) {
    if (c.cognitoMfa !== 'required') {
      ack(
        t.userPool,
        'AwsSolutions-COG2',
        'MFA (TOTP) is offered to every user but not forced by default, because the administrator creates ' +
          'the accounts; deploy with cognitoMfa=required to force it.',
      );
    }
    if (c.cognitoFeaturePlan !== 'plus') {
      ack(
        t.userPool,
        'AwsSolutions-COG8',
        'The Essentials feature plan is the default to avoid the Plus per-user price; self sign-up is off ' +
          'and the password policy is strict. Deploy with cognitoFeaturePlan=plus to enforce threat protection.',
      );
    }
  }

  // ---- Execution role wildcards (each one named)
  const policy = t.role.node.tryFindChild('DefaultPolicy');
  if (policy) {
    ack(
      policy,
      `AwsSolutions-IAM5[${nagArn('logs', `log-group:${c.bedrockLogGroup}:*`)}]`,
      'The ":*" suffix is how CloudWatch Logs names a log group in IAM for FilterLogEvents and StartQuery ' +
        '(its log streams); it covers only the one Bedrock invocation log group.',
    );
    ack(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Only for actions without resource-level permissions: logs:GetQueryResults and logs:StopQuery (take a ' +
        'query id, no resource type), logs:DescribeLogGroups (lists the account\'s log groups to find the ' +
        'Bedrock one), ce:GetCostAndUsage and ce:GetDimensionValues (Cost Explorer has no resource types). Every other ' +
        'statement names its resource.',
    );
    if (c.crossAccountRoleName) {
      ack(
        policy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${c.crossAccountRoleName}]`,
        'Reports across an organisation assume the one named reader role in each member account; the account ' +
          'is a wildcard because the accounts are chosen per report, the role name is fixed.',
      );
    }
  }
  void stack;
}
