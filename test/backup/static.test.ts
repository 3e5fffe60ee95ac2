/**
 * The backup area's output for every scenario and profile, checked without brokers: the scripts
 * parse (bash -n), MirrorMaker 2 replicates exactly the stack's topics with internal topics at the
 * production RF, the standby federates every stack exchange, compose one-shots and Kubernetes
 * CronJobs (validated by kubernetes-models; no cluster here) carry the spec's schedule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { federationPolicy, federatedExchanges } from '../../generators/brokers/rabbitmq/backup.ts';
import { backupArea, backupCompose, backupK8s, scheduledBackups } from '../../generators/emit/backup.ts';
import { brokersOf, channelsOf, settingsOf } from '../../generators/stack/index.ts';
import { IMAGES } from '../../generators/versions/images.ts';
import { ALL_CASES, opsSpec, scratchDirs, tool, writeFiles } from '../support/ops.ts';

const tempDir = scratchDirs();

/** java.util.Properties, enough for the generated file (no line continuations). */
function properties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (/^\s*(#|!|$)/.test(line)) continue;
    const i = line.search(/(?<!\\)[=:]/);
    out.set(line.slice(0, i).trim(), line.slice(i + 1).trim().replace(/\\\\/g, '\\'));
  }
  return out;
}

describe.each(ALL_CASES)('backup for $scenario ($profile)', ({ scenario, profile }) => {
  const spec = opsSpec(scenario, profile);
  const out = backupArea.emit(spec);
  const dir = tempDir('brokerplate-backup-');
  writeFiles(dir, out.files);

  it('every script parses (bash -n) and sources the shared lib', () => {
    const scripts = out.files.filter((f) => f.path.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThan(1);
    for (const s of scripts) {
      const r = tool('bash', ['-n', join(dir, s.path)]);
      expect(r.status, `${s.path}: ${r.out}`).toBe(0);
    }
    for (const s of scripts.filter((f) => f.path.endsWith('/backup.sh'))) expect(s.contents).toContain('. "$(dirname "$0")/../lib.sh"');
  });

  it('the README has a restore runbook for every broker', () => {
    const body = out.readme?.[0]?.body ?? '';
    for (const broker of brokersOf(spec)) expect(body).toMatch(new RegExp(`${broker === 'rabbitmq' ? 'RabbitMQ' : broker === 'kafka' ? 'Kafka' : 'Redis'}[^\\n]*: `));
    if (brokersOf(spec).some((b) => scheduledBackups(spec, b).length > 0)) expect(body).toContain('Restore runbook');
    expect(body).not.toMatch(/\{\{|undefined|\[object Object\]/);
  });

  if (spec.brokers.kafka) {
    it('MirrorMaker 2 mirrors exactly the stack topics and their DLQs, internal topics at the production RF', () => {
      const props = properties(readFileSync(join(dir, 'backup/kafka/mirrormaker2.properties'), 'utf8'));
      const prodRf = String(settingsOf(spec, 'kafka').prod.replicationFactor);
      for (const key of ['replication.factor', 'checkpoints.topic.replication.factor', 'heartbeats.topic.replication.factor', 'offset-syncs.topic.replication.factor', 'offset.storage.replication.factor', 'status.storage.replication.factor', 'config.storage.replication.factor']) {
        expect(props.get(key), key).toBe(prodRf);
      }
      expect(props.get('clusters')).toBe('primary, dr');
      expect(props.get('primary->dr.enabled')).toBe('true');
      expect(props.get('replication.policy.class')).toBe('org.apache.kafka.connect.mirror.IdentityReplicationPolicy');
      // MM2 matches each topic against the list of regexes (Java syntax; these are plain escapes)
      const patterns = (props.get('primary->dr.topics') ?? '').split(',').map((p) => new RegExp(`^(?:${p.trim()})$`));
      const wanted = channelsOf(spec, 'kafka').flatMap((c) => [c.name, `${c.name}.dlq`]);
      for (const t of wanted) expect(patterns.some((re) => re.test(t)), t).toBe(true);
      for (const stray of ['__consumer_offsets', 'other-topic', `${wanted[0]}x`]) expect(patterns.some((re) => re.test(stray)), stray).toBe(false);
      const groups = new Set(channelsOf(spec, 'kafka').flatMap((c) => c.consumerGroups));
      expect((props.get('primary->dr.groups') ?? '').split(',').map((g) => g.trim()).sort()).toEqual([...groups].sort());
    });
  }

  if (spec.brokers.kafka) {
    it(`Kafka backup, restore and MirrorMaker ${profile === 'prod' ? 'log in as their own users (files, not environment variables)' : 'stay PLAINTEXT without a login'}`, () => {
      const props = properties(readFileSync(join(dir, 'backup/kafka/mirrormaker2.properties'), 'utf8'));
      const backupSh = readFileSync(join(dir, 'backup/kafka/backup.sh'), 'utf8');
      const restoreSh = readFileSync(join(dir, 'backup/kafka/restore-offsets.sh'), 'utf8');
      type Svc = { secrets?: { source: string }[]; volumes?: { target: string }[]; environment?: Record<string, string>; profiles?: string[] };
      const services = backupCompose(spec).services as Record<string, Svc | undefined>;
      const secretsOf = (name: string) => (services[name]?.secrets ?? []).map((x) => x.source).filter((x) => x.startsWith('kafka_'));
      const cron = JSON.stringify(backupK8s(spec, 'shop').find((o) => o.kind === 'CronJob' && o.metadata && (o.metadata as { name: string }).name === 'kafka-backup'));
      if (profile !== 'prod') {
        for (const sh of [backupSh, restoreSh]) expect(sh).not.toContain('--command-config');
        expect(props.has('primary.security.protocol')).toBe(false);
        expect(services['kafka-restore']).toBeUndefined();
        expect(secretsOf('kafka-backup')).toEqual([]);
        expect(cron).not.toContain('KAFKA_BACKUP_PASSWORD');
        return;
      }
      for (const tool of ['kafka-topics.sh', 'kafka-configs.sh', 'kafka-consumer-groups.sh']) expect(backupSh).toMatch(new RegExp(`${tool.replace('.', '\\.')}" --bootstrap-server "\\$KAFKA_BROKERS" --command-config "\\$CLIENT_CONFIG"`));
      expect(backupSh).toContain('username="backup"');
      expect(restoreSh).toContain('username="admin"');
      expect(restoreSh).toContain('--command-config "$CLIENT_CONFIG"');
      // Least privilege: each service gets its own password file only; none as an environment variable.
      expect(secretsOf('kafka-backup')).toEqual(['kafka_backup_password']);
      expect(secretsOf('kafka-restore')).toEqual(['kafka_admin_password']);
      expect(services['kafka-restore']?.profiles).toEqual(['restore']);
      expect(secretsOf('kafka-mirrormaker')).toEqual(['kafka_mirrormaker_password']);
      for (const name of ['kafka-backup', 'kafka-restore', 'kafka-mirrormaker']) {
        expect(services[name]?.volumes?.map((v) => v.target), name).toContain('/etc/brokerplate/tls/ca.crt');
        expect(JSON.stringify(services[name]?.environment ?? {}), name).not.toMatch(/PASSWORD"/);
      }
      expect(cron).toContain('"key":"KAFKA_BACKUP_PASSWORD","path":"kafka_backup_password"');
      expect(cron).not.toContain('secretKeyRef');
      expect(cron).not.toContain('KAFKA_ADMIN_PASSWORD');
      expect(props.get('primary.security.protocol')).toBe('SASL_SSL');
      expect(props.get('primary.sasl.mechanism')).toBe('SCRAM-SHA-512');
      expect(props.get('primary.sasl.jaas.config')).toContain('username="mirrormaker" password="${directory:/run/secrets:kafka_mirrormaker_password}"');
      expect(props.get('config.providers.directory.class')).toBe('org.apache.kafka.common.config.provider.DirectoryConfigProvider');
      expect(props.get('config.providers.directory.param.allowed.paths')).toBe('/run/secrets');
      expect(props.get('primary.ssl.truststore.location')).toBe('/etc/brokerplate/tls/ca.crt');
      expect(props.get('dr->primary.emit.heartbeats.enabled')).toBe('false');
    });
  }

  if (spec.brokers.rabbitmq) {
    it('the standby policy federates every exchange the stack publishes to, and nothing else', () => {
      const policy = federationPolicy(spec) as { pattern: string; 'apply-to': string; definition: Record<string, string> };
      const re = new RegExp(policy.pattern);
      const exchanges = [...new Set(channelsOf(spec, 'rabbitmq').flatMap((c) => (c.kind === 'queue' ? [c.exchange] : [])))];
      expect(federatedExchanges(spec).sort()).toEqual(exchanges.sort());
      for (const e of exchanges) expect(re.test(e), e).toBe(true);
      expect(re.test('amq.direct')).toBe(false);
      expect(policy['apply-to']).toBe('exchanges');
      expect(policy.definition['federation-upstream-set']).toBe('all');
      const script = readFileSync(join(dir, 'backup/rabbitmq/standby.sh'), 'utf8');
      expect(script).toContain(JSON.stringify(policy));
    });
  }

  it('compose one-shots run only on demand, in the broker image, with the spec retention; CronJobs validate (mocked: no cluster)', async () => {
    const compose = backupCompose(spec);
    for (const broker of brokersOf(spec)) {
      const service = compose.services[`${broker}-backup`] as { image: string; profiles?: string[]; environment?: Record<string, string> } | undefined;
      if (scheduledBackups(spec, broker).length === 0) {
        expect(service).toBeUndefined();
        continue;
      }
      expect(service?.profiles).toEqual(['backup']);
      expect(service?.image).toBe(IMAGES[broker]);
      expect(service?.environment?.BACKUP_KEEP).toBe(String(spec.backup.keep));
      expect(service?.environment?.PUSHGATEWAY_URL).toBe('http://pushgateway:9091');
    }
    const { CronJob } = await import('kubernetes-models/batch/v1/CronJob');
    const { PersistentVolumeClaim } = await import('kubernetes-models/v1/PersistentVolumeClaim');
    const { ConfigMap } = await import('kubernetes-models/v1/ConfigMap');
    const objects = backupK8s(spec, 'shop');
    const models = { CronJob, PersistentVolumeClaim, ConfigMap } as const;
    for (const o of objects) {
      const Model = models[o.kind as keyof typeof models];
      expect(Model, o.kind).toBeDefined();
      expect(() => new Model(o as never).validate()).not.toThrow();
    }
    const crons = objects.filter((o) => o.kind === 'CronJob') as unknown as { spec: { schedule: string } }[];
    expect(crons.length).toBe(brokersOf(spec).filter((b) => scheduledBackups(spec, b).length > 0).length);
    for (const c of crons) expect(c.spec.schedule).toBe(spec.backup.schedule);
    for (const c of crons as unknown as { spec: { jobTemplate: { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown> }[] } } } } } }[]) {
      const pod = c.spec.jobTemplate.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const x of pod.containers) expect(x.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
  });
});
