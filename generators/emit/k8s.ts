/**
 * The Kubernetes area: `infra/`, a Pulumi TypeScript project with one ComponentResource per
 * broker (templates/infra/components/<broker>.ts), the same shape for all three. The program
 * carries both profiles; each stack's Pulumi.<stack>.yaml picks one.
 *
 * - What a broker deploys is data from generators/brokers/<broker>/k8s.ts (its plugin's `k8s`):
 *   sizes, image, ports, and its config files, built by the same builders as compose with the
 *   Kubernetes Topology (pod DNS names instead of compose service names).
 * - Secrets are Pulumi config secrets (`pulumi config set --secret`), gathered into one Secret
 *   keyed like the compose .env.
 * - Other areas (monitoring, backup) plug in through K8S_ADDONS (see K8sAddon): their plain
 *   objects land in infra/addons/<profile>/<id>.json and the program creates them.
 */
import { BROKER_PLUGINS, type SecretDef } from '../brokers/index.ts';
import { BROKERS } from '../guide/index.ts';
import { brokersOf, PROFILES, type Profile, type StackSpec } from '../stack/index.ts';
import { INFRA_NPM_VERSIONS } from '../versions/infra.ts';
import { NODE_ENGINE } from '../versions/npm.ts';
import type { Area, AreaOutput } from './area.ts';
import { file, jsonFile, seedFile, yamlFile, type GeneratedFile } from './files.ts';
import { k8sTopology, NAMESPACE_TOKEN, stackSecretName, type K8sAddon, type K8sPart } from './k8s-model.ts';
import { backupK8sAddon } from './backup.ts';
import { monitoringK8sAddon } from './monitoring-k8s.ts';
import { tlsK8sAddon } from './tls.ts';
import { networkPolicyAddon } from './network-policy.ts';
import { render } from './render.ts';
import { nodeTsConfig } from './tsconfig.ts';
import { scrapeUsernames } from './monitoring-prometheus.ts';
import { isMonitoringLogin, MONITORING_PRINCIPALS, monitoringAuthSecrets, SCRAPE_USER_SECRET, webConfigPath, webConfigSecret, webServices } from './monitoring-auth.ts';
import { stackSecretDefs } from './secrets.ts';

export const INFRA_DIR = 'infra';

/** Extra components of the Pulumi program, one per area. */
const AREA_ADDONS: readonly K8sAddon[] = [monitoringK8sAddon, backupK8sAddon, tlsK8sAddon];
/** The NetworkPolicies come last: they admit the workloads of every other addon (a new one is covered as listed here). */
export const K8S_ADDONS: readonly K8sAddon[] = [...AREA_ADDONS, networkPolicyAddon(AREA_ADDONS)];

/** The default pod labels the NetworkPolicies admit (Pulumi config can choose others). */
export const CLIENT_LABELS = { 'brokerplate/access': 'client' } as const;
export const MONITORING_LABELS = { 'brokerplate/access': 'monitoring' } as const;

/** The stack's Secret: the name the monitoring and backup objects reference too. */
export const secretName = stackSecretName;

/** `RABBITMQ_ADMIN_PASSWORD` → `rabbitmqAdminPassword`: the Pulumi config key of a secret. */
export function configKey(env: string): string {
  return env.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The spec as one profile sees it: the program holds both profiles, whatever spec.profile says. */
function atProfile(spec: StackSpec, profile: Profile): StackSpec {
  return { ...spec, profile };
}

function activeAddons(spec: StackSpec, addons: readonly K8sAddon[]): K8sAddon[] {
  return addons.filter((a) => a.applies(spec));
}

/** Every secret of the stack (brokers first, then addons), each once. */
export function stackSecrets(spec: StackSpec, addons: readonly K8sAddon[] = K8S_ADDONS): SecretDef[] {
  const all = [
    ...stackSecretDefs(spec).filter((s) => !isMonitoringLogin(s.env)),
    ...PROFILES.flatMap((p) => activeAddons(atProfile(spec, p), addons).flatMap((a) => a.secrets?.(atProfile(spec, p)) ?? [])),
  ];
  return all.filter((s, i) => all.findIndex((o) => o.env === s.env) === i);
}

/**
 * The monitoring logins (--web.config.file, monitoring-auth.ts) of the prod stack: their passwords
 * join its Secret; dev runs the monitoring services open, so its stack does not ask for them.
 */
export function monitoringLoginSecrets(spec: StackSpec): SecretDef[] {
  return monitoringAuthSecrets(atProfile(spec, 'prod')).map(({ env, description }) => ({ env, description: `${description}; prod stack only: the value in .env (secrets/monitoring/ holds its hash)` }));
}

/** The secrets of one profile's stack: the stack's own, and in prod the monitoring logins. */
export function profileSecrets(spec: StackSpec, profile: Profile, addons: readonly K8sAddon[] = K8S_ADDONS): SecretDef[] {
  return [...stackSecrets(spec, addons), ...(profile === 'prod' ? monitoringLoginSecrets(spec) : [])];
}

/**
 * prod: the web configs (bcrypt hashes) the program puts in one Secret per service, read from the
 * git-ignored secrets/monitoring/ that brokerplate writes beside .env (paths relative to infra/).
 */
function webConfigSettings(spec: StackSpec, profile: Profile): { service: string; secretName: string; file: string }[] {
  if (profile !== 'prod') return [];
  return webServices(atProfile(spec, profile)).map((service) => ({ service, secretName: webConfigSecret(service), file: `../${webConfigPath(service)}` }));
}

export function namespaceOf(spec: StackSpec, profile: Profile): string {
  return profile === 'prod' ? spec.name : `${spec.name}-${profile}`;
}

function settingsModule(path: string, description: string, typeName: string, typeModule: string, constName: string, data: unknown): GeneratedFile {
  return file(path, render('infra/settings.ts', { description, typeName, typeModule, constName, data: JSON.stringify(data, null, 2) }));
}

function perProfile<T>(build: (profile: Profile) => T): Record<Profile, T> {
  return Object.fromEntries(PROFILES.map((p) => [p, build(p)])) as Record<Profile, T>;
}

function addonFile(profile: Profile, id: string): string {
  return `addons/${profile}/${id}.json`;
}

const TSCONFIG = nodeTsConfig(['**/*.ts'], ['node_modules', 'rendered']);

export function infraFiles(spec: StackSpec, addons: readonly K8sAddon[] = K8S_ADDONS): GeneratedFile[] {
  const brokers = brokersOf(spec);
  const at = (p: string) => `${INFRA_DIR}/${p}`;
  const files: GeneratedFile[] = [];
  const header = 'Generated by brokerplate from brokerplate.yaml; edit that file and re-run brokerplate instead.';

  files.push(
    yamlFile(
      at('Pulumi.yaml'),
      {
        name: spec.name,
        description: `Kubernetes resources of the ${spec.name} messaging stack (${brokers.map((b) => BROKER_PLUGINS[b].names.short).join(', ')})`,
        // Node >= 22.18 runs the TypeScript itself (type stripping): no ts-node; `npm run typecheck` checks the types.
        runtime: { name: 'nodejs', options: { typescript: false } },
        main: 'index.ts',
      },
      header,
    ),
  );
  for (const profile of PROFILES) {
    // Seeded once: `pulumi config set --secret` writes into it, so re-runs leave it alone.
    files.push(
      seedFile(yamlFile(
        at(`Pulumi.${profile}.yaml`),
        {
          config: {
            [`${spec.name}:profile`]: profile,
            [`${spec.name}:namespace`]: namespaceOf(spec, profile),
            [`${spec.name}:clientPodSelector`]: { ...CLIENT_LABELS },
            [`${spec.name}:monitoringPodSelector`]: { ...MONITORING_LABELS },
          },
        },
        [
          `Stack "${profile}": the ${profile} profile of brokerplate.yaml. Non-secret settings only.`,
          'Secrets: `pulumi config set --secret <key>` for each key in README.md (they are added here, encrypted).',
          'Optional: storageClass (data volumes), monitoringNamespace (a Prometheus elsewhere), createNamespace (false to use an existing one).',
          header,
        ].join('\n'),
      )),
    );
  }
  files.push(
    jsonFile(at('package.json'), {
      name: `${spec.name}-infra`,
      version: '0.0.0',
      private: true,
      type: 'module',
      engines: { node: NODE_ENGINE },
      scripts: { render: 'node render.ts', typecheck: 'tsc --noEmit -p .' },
      dependencies: {
        '@pulumi/kubernetes': INFRA_NPM_VERSIONS['@pulumi/kubernetes'],
        '@pulumi/pulumi': INFRA_NPM_VERSIONS['@pulumi/pulumi'],
        yaml: INFRA_NPM_VERSIONS.yaml,
      },
      devDependencies: { '@types/node': INFRA_NPM_VERSIONS['@types/node'], typescript: INFRA_NPM_VERSIONS.typescript },
      // npm 11's install-script policy (advisory since 11.16, enforced by npm 12): @pulumi/kubernetes'
      // install script fetches the provider plugin Pulumi needs; protobufjs' postinstall only prints a
      // version-scheme hint, so it is denied. By name: a `pkg@version` approval never matches where the
      // lock file omits registry URLs (omit-lockfile-registry-resolved), and the version is pinned above.
      allowScripts: { '@pulumi/kubernetes': true, protobufjs: false },
    }),
    jsonFile(at('tsconfig.json'), TSCONFIG),
    file(
      at('index.ts'),
      render('infra/index.ts', {
        name: spec.name,
        brokerTitles: brokers.map((b) => BROKER_PLUGINS[b].names.short).join(', '),
        brokers: brokers.map((b) => ({
          id: b,
          ...BROKER_PLUGINS[b].names,
          outputs: (BROKER_PLUGINS[b].k8s.outputs ?? []).map((o) => ({ ...o, name: `${b}${o.property.charAt(0).toUpperCase()}${o.property.slice(1)}` })),
        })),
      }),
    ),
    file(at('render.ts'), render('infra/render.ts', {})),
    file(at('components/common.ts'), render('infra/components/common.ts', {})),
    file(at('components/addons.ts'), render('infra/components/addons.ts', {})),
  );

  files.push(
    settingsModule(at('settings/stack.ts'), `The stack as a whole, per profile: secrets, Pod Security Standard, addons.`, 'StackSettings', '../components/common.ts', 'STACK', perProfile((p) => ({
      name: spec.name,
      version: String(spec.version),
      secretName: secretName(spec),
      secrets: profileSecrets(spec, p, addons).map((s) => ({ env: s.env, key: configKey(s.env), description: s.description })),
      ...(p === 'prod' && webConfigSettings(spec, p).length > 0 && { webConfigs: webConfigSettings(spec, p), scrapeUser: { secretName: SCRAPE_USER_SECRET, usernames: scrapeUsernames(atProfile(spec, p)) } }),
      podSecurity: 'restricted',
      addons: activeAddons(atProfile(spec, p), addons).map((a) => ({ id: a.id, file: `./${addonFile(p, a.id)}`, access: a.access ?? null })),
    }))),
  );

  for (const broker of brokers) {
    const part: K8sPart<unknown> = BROKER_PLUGINS[broker].k8s;
    const names = BROKER_PLUGINS[broker].names;
    files.push(file(at(`components/${broker}.ts`), render(`infra/components/${broker}.ts`, {})));
    files.push(settingsModule(at(`settings/${broker}.ts`), `${BROKERS[broker].title} per profile: sizes, image, ports and paths.`, `${names.className}Settings`, `../components/${broker}.ts`, names.constName, perProfile((p) => part.settings(atProfile(spec, p)))));
    for (const profile of PROFILES) {
      for (const [name, contents] of Object.entries(part.files(atProfile(spec, profile)))) files.push(file(at(`config/${profile}/${broker}/${name}`), contents));
    }
  }

  for (const profile of PROFILES) {
    const s = atProfile(spec, profile);
    for (const addon of activeAddons(s, addons)) {
      // JSON, not YAML: only the program reads these (`npm run render` shows them as YAML), and
      // serialising ~150 KB of objects as YAML twice was most of a generation's time.
      files.push(jsonFile(at(addonFile(profile, addon.id)), {
        about: [addon.description, `${NAMESPACE_TOKEN} stands for the stack's namespace.`, header],
        objects: addon.objects(s, NAMESPACE_TOKEN, k8sTopology()),
      }));
    }
  }
  return files;
}

export function createK8sArea(addons: readonly K8sAddon[] = K8S_ADDONS): Area {
  return {
    id: 'k8s',
    applies: (spec) => spec.targets.includes('k8s'),
    emit(spec): AreaOutput {
      const brokers = brokersOf(spec);
      const body = render('infra/README.md', {
        name: spec.name,
        rabbitmq: brokers.includes('rabbitmq'),
        redis: brokers.includes('redis'),
        // infra/package.json's engines: the README quotes the same constant.
        nodeEngine: NODE_ENGINE,
        profiles: PROFILES.map((p) => ({ id: p, namespace: namespaceOf(spec, p), notes: brokers.map((b) => BROKER_PLUGINS[b].k8s.readme(atProfile(spec, p))) })),
        secrets: stackSecrets(spec, addons).map((s) => ({ env: s.env, key: configKey(s.env), description: s.description })),
        logins: monitoringLoginSecrets(spec).map((s) => ({ env: s.env, key: configKey(s.env), description: s.description })),
        webConfigs: webConfigSettings(spec, 'prod').map((w) => ({ ...w, file: w.file.slice('../'.length) })),
        loginPushgateway: spec.backup.enabled,
        secretName: secretName(spec),
        client: Object.entries(CLIENT_LABELS).map(([k, v]) => `${k}: ${v}`).join(', '),
        monitoring: Object.entries(MONITORING_LABELS).map(([k, v]) => `${k}: ${v}`).join(', '),
        addons: PROFILES.flatMap((p) => activeAddons(atProfile(spec, p), addons).map((a) => ({ profile: p, id: a.id, description: a.description }))),
      });
      return {
        files: infraFiles(spec, addons),
        readme: [{ title: 'Deploy to Kubernetes with Pulumi', body: body.trimEnd() }],
        packageJson: { scripts: { 'infra:render': 'npm --prefix infra run render', 'infra:typecheck': 'npm --prefix infra run typecheck' } },
        layout: [
          { path: `${INFRA_DIR}/`, purpose: 'Pulumi program (TypeScript) for Kubernetes: one component per broker, stacks dev and prod, `npm run render` to review the objects without a cluster.' },
          { path: `${INFRA_DIR}/config/`, purpose: 'The broker config files the program puts in ConfigMaps, per profile (same builders as config/, with pod DNS names). No secrets.' },
        ],
      };
    },
  };
}

export const k8sArea: Area = createK8sArea();
