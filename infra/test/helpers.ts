// Shared test support: synthesise the app offline (a throwaway Docker build
// context, so neither the repository's Dockerfile nor a Docker engine is
// needed), with the same feature flags as cdk.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../lib/app';

export const INFRA_DIR = path.resolve(__dirname, '..', '..');
export const REPO_ROOT = path.resolve(INFRA_DIR, '..');

const cdkJson = JSON.parse(fs.readFileSync(path.join(INFRA_DIR, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

let dockerDir: string | undefined;
/** A directory holding only a trivial Dockerfile (asset fingerprinting needs one). */
export function dummyDockerContext(): string {
  if (dockerDir === undefined) {
    dockerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-infra-docker-'));
    fs.writeFileSync(path.join(dockerDir, 'Dockerfile'), 'FROM scratch\n');
    process.on('exit', () => fs.rmSync(dockerDir!, { recursive: true, force: true }));
  }
  return dockerDir;
}

export type Ctx = Record<string, string>;

export interface Synth extends BuiltApp {
  readonly template: Template;
  readonly json: CfnTemplate;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

/** Builds the app without synthesising (for the nag checks and for mutation tests). */
export function build(ctx: Ctx = {}, region = 'us-east-1'): BuiltApp {
  process.env.CDK_DEFAULT_REGION = region;
  process.env.CDK_DEFAULT_ACCOUNT = '123456789012';
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-infra-out-'));
  process.on('exit', () => fs.rmSync(outdir, { recursive: true, force: true }));
  return buildApp(REPO_ROOT, {
    outdir,
    context: {
      ...cdkJson.context,
      functionName: 'mcp-test',
      dockerContext: dummyDockerContext(),
      ...ctx,
    },
  });
}

const cache = new Map<string, Synth>();
/** Synthesises (cached per context); fails like `cdk synth` on unacknowledged cdk-nag findings. */
export function synth(ctx: Ctx = {}): Synth {
  const key = JSON.stringify(ctx);
  const hit = cache.get(key);
  if (hit) return hit;
  const built = build(ctx);
  const template = Template.fromStack(built.stack);
  const result = { ...built, template, json: template.toJSON() as CfnTemplate };
  cache.set(key, result);
  return result;
}

export function resourcesOf(t: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function onlyResource(t: CfnTemplate, type: string): [string, CfnResource] {
  const all = resourcesOf(t, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

export function functionEnv(t: CfnTemplate): Record<string, unknown> {
  const [, fn] = onlyResource(t, 'AWS::Lambda::Function');
  return ((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables);
}

/** The full path ("/mcp", "/.well-known/x") of every API Gateway resource, by logical id. */
export function resourcePaths(t: CfnTemplate): Map<string, string> {
  const resources = Object.fromEntries(resourcesOf(t, 'AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const props = resources[id].Properties as { ParentId: Record<string, unknown>; PathPart: string };
    const parent = props.ParentId as { Ref?: string };
    const prefix = parent.Ref !== undefined && resources[parent.Ref] ? pathOf(parent.Ref) : '';
    const full = `${prefix}/${props.PathPart}`;
    paths.set(id, full);
    return full;
  };
  for (const id of Object.keys(resources)) pathOf(id);
  return paths;
}

export interface MethodInfo {
  id: string;
  path: string;
  verb: string;
  props: Record<string, unknown>;
}

export function methods(t: CfnTemplate): MethodInfo[] {
  const paths = resourcePaths(t);
  return resourcesOf(t, 'AWS::ApiGateway::Method').map(([id, r]) => {
    const props = r.Properties!;
    const res = props.ResourceId as { Ref?: string; 'Fn::GetAtt'?: string[] };
    const p = res.Ref !== undefined ? paths.get(res.Ref)! : '/';
    return { id, path: p, verb: props.HttpMethod as string, props };
  });
}

/** Flattens an Fn::Join of strings and intrinsics into text; intrinsics become <Ref:X> / <GetAtt:X.Y>. */
export function joinText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(joinText).join(sep);
    }
    if ('Ref' in o) return `<Ref:${o.Ref as string}>`;
    if ('Fn::GetAtt' in o) return `<GetAtt:${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(v);
}

/** Logical ids a value references (Ref / Fn::GetAtt), pseudo parameters excluded. */
export function referencedIds(v: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(v)) {
    for (const x of v) referencedIds(x, into);
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) into.add(o.Ref);
    if (Array.isArray(o['Fn::GetAtt'])) into.add((o['Fn::GetAtt'] as string[])[0]);
    for (const x of Object.values(o)) referencedIds(x, into);
  }
  return into;
}

/** A dependency cycle between resources (what CloudFormation would reject), or undefined. */
export function findCycle(t: CfnTemplate): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, r] of Object.entries(t.Resources)) {
    const deps = referencedIds(r.Properties ?? {});
    for (const d of [r.DependsOn ?? []].flat()) deps.add(d);
    edges.set(id, [...deps].filter((d) => d in t.Resources));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of edges.get(id)!) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const c = visit(id);
    if (c) return c;
  }
  return undefined;
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export function functionRoleStatements(t: CfnTemplate): PolicyStatementJson[] {
  const [fnId, fn] = onlyResource(t, 'AWS::Lambda::Function');
  void fnId;
  const roleId = ((fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'])[0];
  const out: PolicyStatementJson[] = [];
  for (const [, p] of resourcesOf(t, 'AWS::IAM::Policy')) {
    const roles = (p.Properties!.Roles as { Ref: string }[]).map((r) => r.Ref);
    if (!roles.includes(roleId)) continue;
    out.push(...((p.Properties!.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement));
  }
  const role = t.Resources[roleId];
  for (const inline of (role.Properties!.Policies as { PolicyDocument: { Statement: PolicyStatementJson[] } }[]) ?? []) {
    out.push(...inline.PolicyDocument.Statement);
  }
  return out;
}

export const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
