import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, testHelm, testKubeconfig, testKubectl } from '@vigilo/testkit';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

export { REPO_ROOT };

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: any;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: options.env ?? process.env,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs and fails with the command's output when it exits non-zero. */
export function mustRun(command: string, args: readonly string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout}`.slice(0, 8000));
  }
  return result.stdout;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export function readYaml(path: string): any {
  return parse(readFileSync(join(REPO_ROOT, path), 'utf8'));
}

export const CHARTS = ['charts/vigilo', 'charts/vigilo-operator'] as const;
export const PROFILES = ['default', 'production', 'minimal'] as const;
export type Profile = (typeof PROFILES)[number];

export function profileArgs(chart: string, profile: Profile): string[] {
  return profile === 'default' ? [] : ['-f', join(chart, 'profiles', `${profile}.yaml`)];
}

/** `helm template` of a chart; extra arguments (values files, --set) are appended. */
export function helmTemplate(chart: string, namespace: string, args: readonly string[] = [], helm = testHelm()): K8sObject[] {
  const release = chart.endsWith('operator') ? 'vigilo-operator' : 'vigilo';
  return parseObjects(mustRun(helm, ['template', release, chart, '--namespace', namespace, '--include-crds', ...args]));
}

export function kubectl(args: readonly string[], input?: string): RunResult {
  return run(testKubectl(), ['--kubeconfig', testKubeconfig(), ...args], input === undefined ? {} : { input });
}

export function mustKubectl(args: readonly string[], input?: string): string {
  const result = kubectl(args, input);
  if (result.status !== 0) {
    throw new Error(`kubectl ${args.join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout}`.slice(0, 8000));
  }
  return result.stdout;
}

/** The objects as one v1 List, which kubectl expands. */
export function asList(objects: readonly K8sObject[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

/** Creates the namespace when missing (for objects whose namespace is fixed, like Argo CD's). */
export function ensureNamespace(name: string): void {
  mustKubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

/** A namespace of its own (namespaces are never finalized on this apiserver: no controller-manager). */
export function createNamespace(prefix: string): string {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  mustKubectl(['create', 'namespace', name]);
  return name;
}

/** `kubectl apply --dry-run=server` of each object; returns the failures (kind/name: message). */
export function dryRunServer(objects: readonly K8sObject[], namespace: string): string[] {
  // One kubectl for all objects of a namespace; per object only when that fails, to name the culprits.
  const byNamespace = new Map<string, K8sObject[]>();
  for (const object of objects) {
    const ns = object.metadata.namespace ?? namespace;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), object]);
  }
  const together = [...byNamespace].every(
    ([ns, group]) => kubectl(['apply', '--dry-run=server', '--namespace', ns, '-f', '-'], asList(group)).status === 0,
  );
  if (together) return [];
  const failures: string[] = [];
  for (const object of objects) {
    const result = kubectl(['apply', '--dry-run=server', '--namespace', object.metadata.namespace ?? namespace, '-f', '-'], JSON.stringify(object));
    if (result.status !== 0) failures.push(`${object.kind}/${object.metadata.name}: ${result.stderr.trim()}`);
  }
  return failures;
}

const SCHEMA_DIR = join(REPO_ROOT, 'tests/delivery/schemas');

/** The vendored CRDs (see tests/delivery/schemas/ORIGIN.md) plus the project's own Tenant CRD. */
export function vendoredCrdFiles(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(SCHEMA_DIR, f));
}

let crdsInstalled = false;

/** Installs the vendored CRDs and crds/ into the test apiserver (idempotent) and waits until they are served. */
export function installCrds(): void {
  if (crdsInstalled) return;
  const files = [...vendoredCrdFiles(), join(REPO_ROOT, 'crds/tenants.vigilo.dev.yaml')];
  for (const file of files) {
    mustKubectl(['apply', '--server-side', '--force-conflicts', '-f', file]);
  }
  const names = files.map((f) => (parse(readFileSync(f, 'utf8')) as K8sObject).metadata.name);
  mustKubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names.map((n) => `crd/${n}`)]);
  crdsInstalled = true;
}

let validators: Map<string, ValidateFunction> | undefined;

/** Ajv validators of each served version of each vendored CRD, keyed by apiVersion/kind. */
export function crdValidators(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  validators = new Map();
  for (const file of vendoredCrdFiles()) {
    const crd = parse(readFileSync(file, 'utf8')) as K8sObject;
    for (const version of crd.spec.versions as Array<{ name: string; schema: { openAPIV3Schema: object } }>) {
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(version.schema.openAPIV3Schema));
    }
  }
  return validators;
}

/** Validates an object of a vendored kind against its CRD schema; undefined when valid. */
export function schemaErrors(object: K8sObject): string | undefined {
  const validate = crdValidators().get(`${object.apiVersion}/${object.kind}`);
  if (!validate) throw new Error(`no vendored schema for ${object.apiVersion} ${object.kind}`);
  if (validate(object)) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
}

export function hasVendoredSchema(object: K8sObject): boolean {
  return crdValidators().has(`${object.apiVersion}/${object.kind}`);
}

/** Every pod spec in the objects, with the object that holds it. */
export function podSpecs(objects: readonly K8sObject[]): Array<{ owner: K8sObject; pod: any }> {
  return objects
    .filter((o) => ['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
    .map((owner) => ({ owner, pod: owner.spec.template.spec }));
}
