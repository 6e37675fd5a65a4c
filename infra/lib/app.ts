// Builds the CDK app (one stack) from a context reader; shared by bin/app.ts
// and the tests so both apply the same checks.
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, stackNameFor, type McpStackConfig } from './config';
import { McpServerStack } from './mcp-stack';

export interface BuiltApp {
  readonly app: App;
  readonly stack: McpServerStack;
  readonly config: McpStackConfig;
}

export function buildApp(repoRoot: string, props: AppProps = {}): BuiltApp {
  const app = new App(props);
  const config = configFromContext((key) => app.node.tryGetContext(key), repoRoot);
  const stack = new McpServerStack(app, stackNameFor(config.functionName), {
    config,
    stackName: stackNameFor(config.functionName),
    description: `bedrock-usage-mcp: MCP server ${config.functionName} on AWS Lambda (API Gateway REST, response streaming)`,
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT,
      region: config.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  // cdk-nag 3 runs as a CDK policy-validation plugin: `cdk synth` fails on any
  // unacknowledged finding; acknowledgements (with reasons) are in nag.ts and
  // are copied into the template metadata as an audit trail.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  return { app, stack, config };
}
