/** The monitoring and backup areas inside the whole generated project (emitProject). */
import { describe, expect, it } from 'vitest';
import { emitProject } from '../../generators/emit/index.ts';
import { opsSpec } from '../support/ops.ts';

describe('monitoring and backup in the generated project', () => {
  it('hybrid prod: files, README sections and the check script are there; turning them off removes them', () => {
    const files = emitProject(opsSpec('hybrid', 'prod'));
    const paths = files.map((f) => f.path);
    for (const p of ['monitoring/prometheus/prometheus.yml', 'monitoring/prometheus/rules/backup.yml', 'monitoring/grafana/dashboards/redis.json', 'monitoring/kafka/jmx-exporter.yml', 'backup/lib.sh', 'backup/kafka/mirrormaker2.properties', 'backup/rabbitmq/standby.sh', 'backup/redis/restore.sh']) {
      expect(paths).toContain(p);
    }
    const readme = files.find((f) => f.path === 'README.md')?.contents ?? '';
    expect(readme).toContain('Monitoring');
    expect(readme).toContain('Backup and restore');
    expect(readme).toContain('Replace the Alertmanager receiver');
    const pkg = JSON.parse(files.find((f) => f.path === 'package.json')?.contents ?? '{}') as { scripts: Record<string, string> };
    expect(pkg.scripts['monitoring:check']).toContain('promtool test rules');

    const off = emitProject(opsSpec('hybrid', 'prod', (raw) => {
      raw.monitoring.enabled = false;
      raw.backup.enabled = false;
    })).map((f) => f.path);
    expect(off.filter((p) => p.startsWith('monitoring/') || p.startsWith('backup/'))).toEqual([]);
  });
});
