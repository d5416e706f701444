// Regenerates, from docs/config/<service>.md (the tables generated from each service's config schema):
// - the `env` block of each component in charts/vigilo/values.yaml and charts/vigilo-operator/values.yaml
//   (between the `# BEGIN generated env: <service>` and `# END generated env: <service>` lines), and
// - charts/vigilo/values.schema.json and charts/vigilo-operator/values.schema.json.
// tests/delivery fails when the committed files differ from what this writes, and when a variable of a
// docs/config table cannot be set through the chart.
//
//   node scripts/gen-chart-values.mjs          # rewrite
//   node scripts/gen-chart-values.mjs --check  # exit 1 when something would change
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const SERVICES_CHART = 'charts/vigilo';
export const OPERATOR_CHART = 'charts/vigilo-operator';
export const SERVICE_COMPONENTS = ['ingest', 'indexer', 'relay', 'search', 'proxy'];
export const ROLLOUT_COMPONENTS = ['search', 'proxy'];
export const INGRESS_COMPONENTS = ['indexer', 'proxy'];

/** The variable the chart derives from `<component>.port` instead of `env`. */
export const portVariable = (component) => `VIGILO_${component.toUpperCase()}_PORT`;

/** The variables of one deployable: [{ name, type, default, meaning }], from its docs/config table. */
export function configVariables(service, root = '.') {
  const file = `${root}/docs/config/${service}.md`;
  if (!existsSync(file)) throw new Error(`${file} is missing: the chart values of ${service} are generated from it`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^\| `[A-Z0-9_]+` \|/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    )
    .map(([name, type, def, meaning]) => ({ name: name.replace(/`/g, ''), type, default: def, meaning }));
}

function envValueSchema(variable) {
  const base = { description: `${variable.meaning} Type ${variable.type}; service default ${variable.default}.` };
  switch (variable.type) {
    case 'integer':
      return { ...base, type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' };
    case 'boolean':
      return { ...base, type: ['boolean', 'string', 'null'], pattern: '^(true|false)$' };
    case 'number':
      return { ...base, type: ['number', 'string', 'null'] };
    default:
      return { ...base, type: ['string', 'null'] };
  }
}

function envBlock(service) {
  const lines = ['  env:'];
  for (const v of configVariables(service)) {
    if (v.name === portVariable(service)) continue;
    lines.push(`    # ${v.meaning} (${v.type}; service default ${v.default.replace(/`/g, '')})`);
    lines.push(`    ${v.name}: null`);
  }
  return lines.join('\n');
}

const str = (description, extra = {}) => ({ type: 'string', description, ...extra });
const int = (description, extra = {}) => ({ type: 'integer', description, ...extra });
const bool = (description) => ({ type: 'boolean', description });
const obj = (description, properties, required = Object.keys(properties)) => ({
  type: 'object',
  description,
  additionalProperties: false,
  required,
  properties,
});
const freeMap = (description) => ({ type: 'object', description, additionalProperties: { type: 'string' } });
const k8s = (description, type = 'object') => ({ type, description });

const resources = obj(
  'Container resources (requests and limits), as in a Pod spec.',
  {
    requests: obj('Requested cpu and memory.', { cpu: { type: ['string', 'number'] }, memory: str('Memory request.') }, []),
    limits: obj('Limits (memory; cpu limits are best left unset).', { cpu: { type: ['string', 'number'] }, memory: str('Memory limit.') }, []),
  },
  ['requests'],
);

function componentSchema(service, { rollout = false, ingress = false } = {}) {
  const variables = configVariables(service).filter((v) => v.name !== portVariable(service));
  const names = variables.map((v) => v.name);
  const properties = {
    enabled: bool(`Deploy the ${service}.`),
    image: obj(
      'Image of this component.',
      {
        repository: str('Repository under global.image.registry.', { minLength: 1 }),
        tag: str('Tag; "" = global.image.tag, then the chart appVersion.'),
        digest: str('sha256 digest; when set it is used instead of the tag.', { pattern: '^(sha256:[a-f0-9]{64})?$' }),
      },
    ),
    port: int(`Container port; the chart sets ${portVariable(service)} from it.`, { minimum: 1, maximum: 65535 }),
    service: obj('The ClusterIP Service.', { port: int('Service port.', { minimum: 1, maximum: 65535 }) }),
    replicas: int('Replicas when autoscaling is off.', { minimum: 0 }),
    resources,
    autoscaling: obj('HorizontalPodAutoscaler on CPU.', {
      enabled: bool('Create the HPA (replicas is then ignored).'),
      minReplicas: int('Fewest replicas.', { minimum: 1 }),
      maxReplicas: int('Most replicas.', { minimum: 1 }),
      targetCPUUtilizationPercentage: int('Average CPU utilisation to keep.', { minimum: 1, maximum: 100 }),
    }),
    podDisruptionBudget: obj('PodDisruptionBudget.', {
      enabled: bool('Create the PDB.'),
      maxUnavailable: { type: ['integer', 'string'], description: 'Pods that may be down at once during voluntary disruptions.' },
    }),
    serviceAccount: obj('The Kubernetes ServiceAccount of the pods.', {
      name: str('Name; "" = <fullname>-' + service + '.'),
      gcpServiceAccount: str('Google service account bound through Workload Identity; "" = derived from global.workloadIdentity.'),
    }),
    terminationGracePeriodSeconds: int('Seconds between SIGTERM and SIGKILL; keep above the service shutdown grace.', { minimum: 1 }),
    topologySpread: bool('Spread pods over zones and nodes.'),
    podAnnotations: freeMap('Annotations of the pods.'),
    nodeSelector: freeMap('Node selector of the pods.'),
    tolerations: k8s('Tolerations of the pods.', 'array'),
    affinity: k8s('Affinity of the pods.'),
    extraEnv: { type: 'array', description: 'Extra container env entries, verbatim (e.g. OTEL_* variables).', items: { type: 'object', required: ['name'] } },
    secretEnv: {
      type: 'object',
      description: 'Variables taken from Secrets: VARIABLE: {name, key}. Wins over env; null removes a default.',
      propertyNames: { enum: names },
      additionalProperties: {
        anyOf: [
          { type: 'null' },
          obj('A Secret key.', { name: str('Secret name.', { minLength: 1 }), key: str('Key in the Secret.', { minLength: 1 }), optional: bool('Start without it.') }, ['name', 'key']),
        ],
      },
    },
    env: {
      type: 'object',
      description: `Every variable of docs/config/${service}.md except ${portVariable(service)}; null = the service default.`,
      additionalProperties: false,
      properties: Object.fromEntries(variables.map((v) => [v.name, envValueSchema(v)])),
    },
  };
  if (rollout) {
    properties.rollout = obj('Argo Rollouts canary (a Rollout instead of a Deployment).', {
      enabled: bool('Render a Rollout and its AnalysisTemplate.'),
      steps: {
        type: 'array',
        minItems: 1,
        description: 'Canary steps: {weight: percent} or {pause: duration} ("" = until promoted).',
        items: {
          oneOf: [
            obj('Set the canary weight.', { weight: int('Percent of replicas.', { minimum: 0, maximum: 100 }) }),
            obj('Pause.', { pause: str('Duration such as 5m; "" waits for a manual promotion.', { pattern: '^([0-9]+[smh])?$' }) }),
          ],
        },
      },
      analysis: obj('Canary analysis on Prometheus.', {
        interval: str('Time between measurements.', { pattern: '^[0-9]+[smh]$' }),
        count: int('Measurements in all.', { minimum: 1 }),
        failureLimit: int('Failed measurements tolerated before abort.', { minimum: 0 }),
        window: str('PromQL rate window.', { pattern: '^[0-9]+[smh]$' }),
        maxErrorRate: { type: 'number', minimum: 0, maximum: 1, description: 'Highest share of 5xx answers.' },
        maxP99Seconds: { type: 'number', exclusiveMinimum: 0, description: 'Highest p99 latency in seconds.' },
      }),
    });
  }
  if (ingress) {
    properties.ingress = obj('An Ingress publishing this component.', {
      enabled: bool('Create the Ingress.'),
      className: str('IngressClass; "" = the cluster default.'),
      host: str('Host name.', { minLength: 1 }),
      paths: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^/' }, description: 'Published path prefixes.' },
      tlsSecretName: str('TLS Secret; "" = no TLS section.'),
      annotations: freeMap('Annotations (e.g. of the GKE Ingress).'),
    });
  }
  return obj(`The ${service} component.`, properties);
}

const securityContexts = {
  podSecurityContext: {
    type: 'object',
    description: 'Pod securityContext of every pod.',
    required: ['runAsNonRoot', 'seccompProfile'],
    properties: {
      runAsNonRoot: { const: true, description: 'Must stay true.' },
      runAsUser: int('UID (the images use 1000).', { minimum: 1 }),
      runAsGroup: int('GID.', { minimum: 1 }),
      fsGroup: int('fsGroup.', { minimum: 1 }),
      seccompProfile: { type: 'object', required: ['type'], properties: { type: { enum: ['RuntimeDefault', 'Localhost'] } } },
    },
  },
  containerSecurityContext: {
    type: 'object',
    description: 'Container securityContext of every container.',
    required: ['allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'capabilities'],
    properties: {
      allowPrivilegeEscalation: { const: false },
      readOnlyRootFilesystem: { const: true },
      privileged: { const: false },
      capabilities: { type: 'object', required: ['drop'], properties: { drop: { type: 'array', contains: { const: 'ALL' } }, add: { type: 'array', maxItems: 0 } } },
    },
  },
};

const imageGlobal = obj('Images.', {
  registry: str('Registry and repository prefix, e.g. europe-west1-docker.pkg.dev/PROJECT/vigilo; "" = none.'),
  tag: str('Tag of every image (the commit SHA); "" = the chart appVersion.'),
  pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'], description: 'Image pull policy.' },
  pullSecrets: { type: 'array', items: { type: 'string' }, description: 'Names of image pull Secrets.' },
});

const workloadIdentity = obj('Workload Identity annotation of the ServiceAccounts.', {
  projectId: str('Google Cloud project of the service accounts; "" = no annotation.'),
  serviceAccountPrefix: str('Prefix of the service account ids (terraform: vigilo-).'),
});

const syncWave = { type: ['string', 'integer'], description: 'Argo CD sync wave of every object ("" = none).' };
const peers = { type: 'array', description: 'NetworkPolicy peers (from entries).', items: { type: 'object' } };

export function servicesSchema() {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'vigilo chart values',
    type: 'object',
    additionalProperties: false,
    required: ['global', ...SERVICE_COMPONENTS],
    properties: {
      fullnameOverride: str('Prefix of every object name instead of <release>-vigilo.', { maxLength: 40 }),
      global: obj('Settings shared by every component.', {
        image: imageGlobal,
        workloadIdentity,
        syncWave,
        commonLabels: freeMap('Labels added to every object.'),
        commonAnnotations: freeMap('Annotations added to every object.'),
        ...securityContexts,
        tmpSizeLimit: str('Size limit of the writable /tmp emptyDir.'),
        networkPolicy: obj('NetworkPolicies: only the proxy is public; the indexer only from the queue push path.', {
          enabled: bool('Create them.'),
          publicSources: peers,
          queuePushSources: peers,
          allowLocalQueue: bool('Also admit the relay to the indexer (PostgreSQL queue of the local mode).'),
          metricsSources: peers,
        }),
        serviceMonitor: obj('Prometheus Operator ServiceMonitors.', {
          enabled: bool('Create them (needs the monitoring.coreos.com CRDs).'),
          interval: str('Scrape interval.'),
          scrapeTimeout: str('Scrape timeout.'),
          labels: freeMap('Extra labels.'),
        }),
        prometheus: obj('Prometheus read by the canary analysis.', { address: str('Base URL.', { pattern: '^https?://' }) }),
      }),
      ...Object.fromEntries(
        SERVICE_COMPONENTS.map((c) => [c, componentSchema(c, { rollout: ROLLOUT_COMPONENTS.includes(c), ingress: INGRESS_COMPONENTS.includes(c) })]),
      ),
    },
  };
}

export function operatorSchema() {
  const operator = componentSchema('operator');
  for (const key of ['autoscaling', 'service', 'topologySpread']) {
    delete operator.properties[key];
    operator.required = operator.required.filter((k) => k !== key);
  }
  operator.properties.replicas = int('Replicas; more than one stand by through leader election (a Lease).', { minimum: 1 });
  operator.properties.gcp = obj('Where the operator creates Cloud Tasks queues.', {
    projectId: str('Project of the queues.'),
    location: str('Location of the queues.'),
  });
  operator.required.push('gcp');
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'vigilo-operator chart values',
    type: 'object',
    additionalProperties: false,
    required: ['global', 'operator', 'rbac'],
    properties: {
      fullnameOverride: str('Prefix of every object name instead of <release>.', { maxLength: 40 }),
      global: obj('Shared settings.', {
        image: imageGlobal,
        workloadIdentity,
        syncWave,
        commonLabels: freeMap('Labels added to every object.'),
        commonAnnotations: freeMap('Annotations added to every object.'),
        ...securityContexts,
        tmpSizeLimit: str('Size limit of the writable /tmp emptyDir.'),
        networkPolicy: obj('NetworkPolicy of the operator: nothing may call it but Prometheus.', {
          enabled: bool('Create it.'),
          metricsSources: peers,
        }),
        serviceMonitor: obj('A Prometheus Operator ServiceMonitor.', {
          enabled: bool('Create it.'),
          interval: str('Scrape interval.'),
          scrapeTimeout: str('Scrape timeout.'),
          labels: freeMap('Extra labels.'),
        }),
      }),
      operator,
      rbac: obj('RBAC.', {
        create: bool('Create the ClusterRole, Role and bindings.'),
        watchNamespacedSecrets: bool('Also allow reading Secrets in the release namespace (tenant credentials).'),
      }),
    },
  };
}

function replaceEnvBlocks(file, services) {
  let text = readFileSync(file, 'utf8');
  for (const service of services) {
    const re = new RegExp(`(  # BEGIN generated env: ${service}\\n)[\\s\\S]*?(  # END generated env: ${service}\\n)`);
    if (!re.test(text)) throw new Error(`${file}: no generated env markers for ${service}`);
    text = text.replace(re, (_m, begin, end) => `${begin}${envBlock(service)}\n${end}`);
  }
  return text;
}

export function generatedFiles() {
  return {
    [`${SERVICES_CHART}/values.yaml`]: replaceEnvBlocks(`${SERVICES_CHART}/values.yaml`, SERVICE_COMPONENTS),
    [`${SERVICES_CHART}/values.schema.json`]: JSON.stringify(servicesSchema(), null, 2) + '\n',
    [`${OPERATOR_CHART}/values.yaml`]: replaceEnvBlocks(`${OPERATOR_CHART}/values.yaml`, ['operator']),
    [`${OPERATOR_CHART}/values.schema.json`]: JSON.stringify(operatorSchema(), null, 2) + '\n',
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, content] of Object.entries(generatedFiles())) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current === content) continue;
    if (check) {
      console.error(`${file} is out of date: run node scripts/gen-chart-values.mjs`);
      stale++;
    } else {
      writeFileSync(file, content);
      console.log(`wrote ${file}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
