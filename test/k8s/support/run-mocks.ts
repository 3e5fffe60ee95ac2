/**
 * Runs generated Pulumi programs under Pulumi's own mocks (no cluster, no Pulumi CLI): for each
 * job, `setMocks`, then the stack's config as `pulumi up` would pass it (`setAllConfig`, with the
 * secret keys marked secret), THEN a dynamic import of the program (a static import would build
 * the resources before the mocks exist), then `disconnect()` to wait for every registration.
 *
 * It runs in a plain Node process (`node run-mocks.ts jobs.json out.json`), not inside vitest,
 * so the program is loaded exactly as the Pulumi CLI loads it with `typescript: false`: an ES
 * module whose types Node strips itself. One process runs every job: setMocks resets Pulumi's
 * runtime state, and each program lives at its own path, so its modules are fresh.
 */
import * as pulumi from '@pulumi/pulumi';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface MockJob {
  /** The generated infra/ folder. */
  readonly dir: string;
  readonly project: string;
  readonly stack: string;
  /** `<project>:<key>` → value, structured values as JSON text (as the CLI passes them). */
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
}

export interface MockResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** What the program handed the provider; secrets keep Pulumi's secret wrapper. */
  readonly inputs: Record<string, unknown>;
}

export interface MockRun {
  readonly job: MockJob;
  readonly ms: number;
  readonly resources: readonly MockResource[];
  readonly outputs: Record<string, unknown>;
  readonly errors: readonly string[];
}

interface MonitorWithResources {
  getRegisteredResources(): Map<string, { urn: string }>;
}

function resolve(value: unknown): Promise<unknown> {
  return new Promise((done) => {
    const output: pulumi.Output<unknown> = pulumi.output(value);
    output.apply((v) => {
      done(v);
      return v;
    });
  });
}

let runs = 0;

export async function runJob(job: MockJob): Promise<MockRun> {
  const started = performance.now();
  const registered: Omit<MockResource, 'urn'>[] = [];
  const errors: string[] = [];
  const onError = (err: unknown) => errors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.on('unhandledRejection', onError);
  try {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          registered.push({ type: args.type, name: args.name, custom: args.custom ?? false, inputs: args.inputs as Record<string, unknown> });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call(args) {
          throw new Error(`the program invoked ${args.token}; it should not need to`);
        },
      },
      job.project,
      job.stack,
      false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithResources | undefined;
    pulumi.runtime.setAllConfig({ ...job.config }, [...job.secretKeys]);
    // A query string makes every run import a fresh copy of the program (modules run once per URL).
    const program = (await import(`${pathToFileURL(join(job.dir, 'index.ts')).href}?run=${++runs}`)) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) outputs[key] = await resolve(value);
    await pulumi.runtime.disconnect();
    // The mock monitor qualifies each URN with its parents' types: proof of `{ parent: this }`.
    const urns = [...(monitor?.getRegisteredResources().keys() ?? [])];
    const resources = registered.map((r) => {
      const urn = urns.find((u) => u.endsWith(`::${r.name}`) && u.split('::')[2]?.split('$').pop() === r.type);
      return { ...r, urn: urn ?? '' };
    });
    return { job, ms: Math.round(performance.now() - started), resources, outputs, errors };
  } catch (err) {
    onError(err);
    return { job, ms: Math.round(performance.now() - started), resources: [], outputs: {}, errors };
  } finally {
    process.off('unhandledRejection', onError);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [jobsFile, outFile] = process.argv.slice(2);
  if (!jobsFile || !outFile) throw new Error('usage: node run-mocks.ts <jobs.json> <out.json>');
  const jobs = JSON.parse(readFileSync(jobsFile, 'utf8')) as MockJob[];
  const runs: MockRun[] = [];
  for (const job of jobs) runs.push(await runJob(job));
  writeFileSync(outFile, JSON.stringify(runs));
}
