/**
 * The generated README's security claims, checked against the files generated beside it: a README
 * that promises TLS or names a service the tree does not have misleads the person deploying it.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitProject } from '../../generators/emit/index.ts';
import { SCENARIO_IDS } from '../../generators/guide/index.ts';
import type { Profile } from '../../generators/stack/index.ts';
import { specFor } from '../support/stack.ts';

const PROFILES: readonly Profile[] = ['dev', 'prod'];

function project(scenario: (typeof SCENARIO_IDS)[number], profile: Profile): Map<string, string> {
  return new Map(emitProject(specFor(scenario, profile)).map((f) => [f.path, f.contents]));
}

/** Sentences of a Markdown text (good enough for prose claims: split at '. ' and line breaks between items). */
function sentences(markdown: string): string[] {
  return markdown.split(/(?<=\.)\s+|\n(?=[-*|#])/).map((s) => s.replace(/\s+/g, ' '));
}

/** The one-shot `<name>-init` services a text names in code spans. */
function namedInitServices(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([a-z0-9-]+-init)`/g)].map((m) => m[1] as string));
}

/** The claims about RabbitMQ's metrics endpoint that the generated rabbitmq.conf would have to back. */
function claimsHttpsMetrics(readme: string): string[] {
  return sentences(readme).filter((s) => /metrics endpoint|Prometheus endpoint/i.test(s) && /\bHTTPS\b/.test(s) && !/plain HTTP/i.test(s));
}

/** Claims that RabbitMQ's metrics endpoint asks for the monitor login. */
function claimsMetricsLogin(readme: string): string[] {
  return sentences(readme).filter((s) => /metrics endpoint|Prometheus endpoint|built-in endpoint/i.test(s) && /`monitor` login|logs in as `monitor`/.test(s));
}

describe('the generated README claims only what the generated files do', () => {
  for (const scenario of SCENARIO_IDS) {
    for (const profile of PROFILES) {
      it(`${scenario} ${profile}: every init service it names exists in compose.yaml; metrics over HTTPS and with a login only if rabbitmq.conf serves them so`, () => {
        const files = project(scenario, profile);
        const readme = files.get('README.md') ?? '';
        const compose = parse(files.get('compose.yaml') ?? '') as { services: Record<string, unknown> };
        const services = new Set(Object.keys(compose.services));
        const named = [...namedInitServices(readme)];
        expect(named.filter((name) => !services.has(name))).toEqual([]);

        const conf = files.get('config/rabbitmq/rabbitmq.conf');
        const httpsMetrics = conf !== undefined && /^prometheus\.ssl\.port\s*=/m.test(conf);
        if (!httpsMetrics) expect(claimsHttpsMetrics(readme)).toEqual([]);
        const loginMetrics = conf !== undefined && /^prometheus\.authentication\.enabled\s*=\s*true$/m.test(conf);
        if (!loginMetrics) expect(claimsMetricsLogin(readme)).toEqual([]);
        // A stack whose endpoint does both says so.
        if (httpsMetrics && loginMetrics) expect(claimsMetricsLogin(readme).length).toBeGreaterThan(0);
      });
    }
  }

  it('the checks see the defects they look for (control)', () => {
    expect(claimsHttpsMetrics('the management API over HTTPS and the metrics endpoint over HTTPS with the `monitor` login; each node')).toHaveLength(1);
    expect(claimsHttpsMetrics('The metrics endpoint (port 15692) stays plain HTTP without a login.')).toEqual([]);
    expect(claimsMetricsLogin('the metrics endpoint over HTTPS with the `monitor` login (port 15691 inside the network)')).toHaveLength(1);
    expect([...namedInitServices('only the one-shots `certs-init` and `volumes-init` run as root')]).toEqual(['certs-init', 'volumes-init']);
  });
});
