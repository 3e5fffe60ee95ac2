/**
 * Grafana artifacts against the pinned Grafana's own definitions. @grafana/schema (a devDependency
 * at exactly the version of the grafana/grafana image, pins.json `grafana`) ships the dashboard
 * schema as TypeScript types only (no JSON schema), so every distinct generated dashboard is
 * written as a TypeScript module whose JSON must `satisfies` the `Dashboard` type (excess
 * properties are errors), each panel's options and field config the time series panel's own
 * `Options`/`FieldConfig`, and tsc judges them in one run, beside a control copy with planted
 * errors that must be the only diagnostics. Grafana publishes no machine-readable schema of the
 * provisioning files: their shape here is written from the "Provision Grafana" documentation
 * (v13) and checked the same way (a hand-written type, so named in the test).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAFANA_SCHEMA_VERSION } from '../../generators/emit/monitoring-grafana.ts';
import { monitoringArea } from '../../generators/emit/monitoring.ts';
import { IMAGES } from '../../generators/versions/images.ts';
import { ROOT } from '../support/cli.ts';
import { ALL_CASES, opsSpec } from '../support/ops.ts';

const DIR = join(ROOT, 'test', '.work', 'grafana-schema');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SCHEMA_PKG = join(ROOT, 'node_modules', '@grafana', 'schema', 'package.json');

/**
 * The schema's string enums (LegendDisplayMode, SortOrder, ...) accept only their members in
 * TypeScript; JSON carries their values. `Json<T>` is T with every string enum widened to the
 * union of its values (`${E}`), nothing else loosened.
 */
const PRELUDE = `import type { Dashboard } from '@grafana/schema';
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
type Json<T> = T extends string ? (string extends T ? string : \`\${T}\`) : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
type TimeSeriesPanel = { options: Json<TimeSeriesOptions>; fieldConfig: { defaults: { unit?: string; custom?: Json<TimeSeriesFieldConfig> }; overrides: unknown[] } };
`;

/** Grafana's provisioning files as its documentation describes them (the fields this generator may use). */
const PROVISIONING = `interface DatasourceFile {
  apiVersion: 1;
  deleteDatasources?: { name: string; orgId?: number }[];
  datasources: {
    name: string; type: string; uid?: string; access: 'proxy' | 'direct'; url?: string; orgId?: number; user?: string; database?: string;
    basicAuth?: boolean; basicAuthUser?: string; withCredentials?: boolean; isDefault?: boolean; version?: number; editable?: boolean;
    jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string>;
  }[];
}
interface DashboardProviderFile {
  apiVersion: 1;
  providers: {
    name: string; orgId?: number; folder?: string; folderUid?: string; type: 'file'; disableDeletion?: boolean; updateIntervalSeconds?: number;
    allowUiUpdates?: boolean; options: { path: string; foldersFromFilesStructure?: boolean };
  }[];
}
`;

interface GeneratedDashboard {
  panels: { type: string; options: unknown; fieldConfig: unknown }[];
}

function moduleFor(dashboard: GeneratedDashboard): string {
  const panels = dashboard.panels.filter((p) => p.type === 'timeseries').map((p) => ({ options: p.options, fieldConfig: p.fieldConfig }));
  return `${PRELUDE}export const dashboard = ${JSON.stringify(dashboard, null, 2)} satisfies Dashboard;\nexport const panels = ${JSON.stringify(panels, null, 2)} satisfies TimeSeriesPanel[];\n`;
}

let result: { status: number | null; out: string; dashboards: number; provisioning: number };

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const dashboards = new Map<string, GeneratedDashboard>();
  const provisioning = new Map<string, { kind: 'DatasourceFile' | 'DashboardProviderFile'; value: unknown }>();
  for (const { scenario, profile } of ALL_CASES) {
    for (const f of monitoringArea.emit(opsSpec(scenario, profile)).files) {
      if (f.path.startsWith('monitoring/grafana/dashboards/')) dashboards.set(f.contents, JSON.parse(f.contents) as GeneratedDashboard);
      if (f.path.endsWith('datasources/prometheus.yml')) provisioning.set(f.contents, { kind: 'DatasourceFile', value: parse(f.contents) });
      if (f.path.endsWith('dashboards/brokerplate.yml')) provisioning.set(f.contents, { kind: 'DashboardProviderFile', value: parse(f.contents) });
    }
  }
  [...dashboards.values()].forEach((d, i) => writeFileSync(join(DIR, `dashboard-${i}.ts`), moduleFor(d)));
  writeFileSync(
    join(DIR, 'provisioning.ts'),
    `${PROVISIONING}${[...provisioning.values()].map((p, i) => `export const p${i} = ${JSON.stringify(p.value)} satisfies ${p.kind};`).join('\n')}\n`,
  );
  // The control: one generated dashboard with a misspelt panel field, a string schemaVersion and a legend mode Grafana lacks.
  const first = [...dashboards.values()][0];
  if (!first) throw new Error('no dashboards generated');
  const control = moduleFor(first).replace('"schemaVersion": ', '"schemaVersion": "" + ').replace('"gridPos": {', '"gridPoz": {').replaceAll('"displayMode": "list"', '"displayMode": "lists"');
  writeFileSync(join(DIR, 'control.ts'), control);
  writeFileSync(
    join(DIR, 'tsconfig.json'),
    // Under the repo, so '@grafana/schema' resolves from its node_modules through the package's exports map.
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'preserve', moduleResolution: 'bundler', target: 'es2022', skipLibCheck: true, types: [] }, include: ['*.ts'] }),
  );
  const r = spawnSync(process.execPath, [TSC, '--pretty', 'false', '-p', DIR], { cwd: DIR, encoding: 'utf8', timeout: 240_000 });
  result = { status: r.status, out: `${r.stdout}${r.stderr}`, dashboards: dashboards.size, provisioning: provisioning.size };
}, 300_000);

describe('Grafana dashboards and provisioning against the pinned Grafana (@grafana/schema, tsc)', () => {
  it('@grafana/schema is the version of the grafana/grafana image, and the dashboards use its schemaVersion', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(SCHEMA_PKG, 'utf8')) as { version: string };
    expect(IMAGES.grafana).toBe(`grafana/grafana:${pkg.version}`);
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(root.devDependencies['@grafana/schema']).toBe(pkg.version);
    const raw = readFileSync(join(ROOT, 'node_modules/@grafana/schema/dist/esm/raw/dashboard/x/types.gen.mjs'), 'utf8');
    expect(/schemaVersion: (\d+)/.exec(raw)?.[1]).toBe(String(GRAFANA_SCHEMA_VERSION));
  });

  it('every distinct generated dashboard satisfies Dashboard and TimeSeries Options; the planted errors are the only diagnostics', () => {
    expect(result.dashboards).toBeGreaterThan(3);
    const errors = result.out.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors.filter((l) => !l.startsWith('control.ts')), result.out).toEqual([]);
    expect(errors.some((l) => /schemaVersion/.test(l) || /TS2322.*string.*number/.test(l)), result.out).toBe(true);
    expect(errors.some((l) => /gridPoz/.test(l)), result.out).toBe(true);
    expect(errors.some((l) => /"lists"/.test(l)), result.out).toBe(true);
    expect(result.status).not.toBe(0);
  });

  it("the provisioning files (datasource with and without the prod login, dashboard provider) fit the documented format (a hand-written type from Grafana's provisioning docs)", () => {
    expect(result.provisioning).toBeGreaterThanOrEqual(3);
    expect(result.out.split('\n').filter((l) => l.startsWith('provisioning.ts'))).toEqual([]);
  });
});
