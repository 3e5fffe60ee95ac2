/**
 * The templates render with `noEscape` (they write code, shell and Markdown, not HTML), so every
 * `{{x}}` is as raw as `{{{x}}}`. This test reads every template's syntax tree and holds each
 * output expression, double or triple, to one rule: it goes through an escaping helper for its
 * language (generators/emit/escape.ts), or its value is on the allowlist below, with the reason
 * it is safe raw. Free text from the spec (descriptions, docs) is never on the allowlist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { md, mdCell, mdCode, mermaid, promqlString, sh, tsComment, tsString } from '../../generators/emit/escape.ts';
import { ESCAPES } from '../../generators/emit/render.ts';
import { ROOT } from '../support/cli.ts';

const NAME = 'a name the spec grammar limits to letters, digits and . _ - : { } / (generators/stack/naming.ts), or one derived from it';
const NUMBER = 'a number or a boolean';
const CONST = 'text the generator writes itself (a constant, or built from names and numbers)';
const GUIDE = 'the guide\'s own text (typed data in generators/guide/)';
const JSON_TEXT = 'JSON.stringify output, a valid TypeScript expression (reserved keys are refused by the spec)';
const SHELL_QUOTED = 'a command line built with shellCommand (generators/brokers/formats.ts), every word single-quoted';

/** Values that may be output raw, by the last segment of their path, and why. */
const SAFE: Readonly<Record<string, string>> = {
  admin: NAME, user: NAME, name: NAME, id: NAME, key: NAME, env: NAME, vhost: NAME,
  typeName: NAME, replyTypeName: NAME, className: NAME, constName: NAME,
  typeModule: CONST, varyField: NAME, deadLetter: NAME, broker: NAME, kind: NAME, semantics: NAME, profile: NAME, project: NAME, namespace: NAME,
  secretName: NAME, service: NAME, group: NAME, alert: NAME, severity: NAME, job: NAME, metric: NAME, policyName: NAME, master: NAME,
  host: NAME, firstHost: NAME, source: NAME, primary: NAME, exchanges: 'exchange names joined by ", " (names)', streams: 'stream names joined by ", " (names)',
  services: 'monitoring service titles joined by ", " (constants, generators/emit/monitoring.ts)',
  role: NAME, eviction: NAME, persistence: NAME, cleanup: NAME, retention: 'a duration (digits and a unit) or forever', timeout: 'a duration (digits and a unit)',
  schedule: 'a cron schedule: digits, "*", ",", "-", "/" and spaces only (generators/stack/cron.ts)', placeholder: CONST, appendonly: 'yes or no',
  port: NUMBER, jmxPort: NUMBER, lagPort: NUMBER, keep: NUMBER, maxAge: NUMBER, maxDeliveries: NUMBER, prefetch: NUMBER,
  replicas: NUMBER, replication: NUMBER, minIsr: NUMBER, nodes: 'a node count, or node names shell-quoted (shellQuote)', prodRf: NUMBER, monitoring: NUMBER, cacheInvalidation: 'false or a channel name as a string literal',
  prometheus: NUMBER, alertmanager: NUMBER, grafana: NUMBER, pushgateway: NUMBER, version: CONST,
  literal: 'a channel name as a TypeScript string literal (JSON.stringify)', sampleJson: JSON_TEXT, invalidJson: JSON_TEXT, replySampleJson: JSON_TEXT,
  channelsJson: JSON_TEXT, topologyJson: JSON_TEXT, benchTargetsJson: JSON_TEXT, guideJson: JSON_TEXT, data: `${JSON_TEXT}, or a path`,
  policy: 'one line of JSON inside a quoted heredoc (<<\'JSON\': no expansion, and no line can be the terminator)', args: SHELL_QUOTED,
  home: CONST, config: CONST, conf: CONST, run: CONST, api: CONST, bootstrap: 'host:port pairs of the stack (names and numbers)', target: CONST,
  client: CONST, endpointDoc: CONST, brokerTitles: GUIDE, line: 'a TypeScript statement the generator builds from literals and JSON', why: CONST,
  title: `${GUIDE}, or a section title the generator writes`, model: GUIDE, how: GUIDE, throughput: GUIDE, latency: GUIDE, ordering: GUIDE, replay: GUIDE,
  primaryUse: GUIDE, learningCurve: GUIDE, scaling: GUIDE, resources: GUIDE, strategy: GUIDE, path: CONST, purpose: CONST, summary: CONST,
  body: 'Markdown or TypeScript the generator assembles; spec text inside it is escaped where it is built (tsComment in clients-schema.ts)',
  text: 'Markdown the generator writes (backup and monitoring notes)',
  families: 'metric family names of the RabbitMQ Prometheus plugin (constants)', chosen: 'broker titles (guide text)', recommended: 'broker titles (guide text)',
  passwordEnv: NAME, tags: SHELL_QUOTED, configure: SHELL_QUOTED, write: SHELL_QUOTED, read: SHELL_QUOTED, permissions: SHELL_QUOTED, users: 'user names joined by ", " (names)',
  amqps: NUMBER, https: NUMBER, metrics: NUMBER,
  property: NAME, highFrom: NUMBER, max: NUMBER, lowTop: NUMBER, majority: NUMBER, members: NUMBER, total: NUMBER, rate: NUMBER, downSeconds: NUMBER, runs: NUMBER,
  nodeEngine: 'the engines range from generators/versions (a constant)', sentinel: NAME, sentinels: 'a Sentinel count (number)', downAfterS: NUMBER, discoverySeconds: NUMBER, monitorUser: NAME,
  monitor: 'an .env variable name (constant)', replica: 'an .env variable name (constant)', file: 'a password file name: an .env variable name in lower case (constant)', secrets: CONST, can: CONST, askPrimary: CONST,
  leafDays: NUMBER, caYears: NUMBER, renewDays: NUMBER, count: NUMBER, cert: 'a path under secrets/tls/ built from names', dir: CONST,
  caSecret: NAME, secret: NAME, first: 'a DNS name built from names', usage: 'server, client or both (constants)',
  caFile: 'a path under secrets/tls/ (a constant)',
  mirrormaker: NAME, backup: NAME, adminEnv: 'an .env variable name (constant)',
  login: 'shell lines rendered from templates/config/kafka/client-login.sh.hbs, whose values go through sh there or are constants',
  operations: 'Kafka ACL operation names joined by ", " (constants, generators/brokers/kafka/acl.ts)', type: 'a Kafka ACL resource type (constants)',
  mechanism: 'the SASL mechanism name SCRAM-SHA-512 (a constant, generators/brokers/kafka/security.ts)',
  diagram: 'Mermaid text built in generators/emit/diagrams.ts, every label through mermaid() (escape.ts)', topology: 'Mermaid text built in generators/emit/diagrams.ts, every label through mermaid() (escape.ts)',
  decisionChart: 'Mermaid text built in generators/emit/diagrams.ts, every label through mermaid() (escape.ts)', runbook: 'a path the generator builds from the pattern name (constant)',
  module: 'a path built from a channel identifier (names)', number: NUMBER, '@index': 'the loop index Handlebars counts (a number)', does: GUIDE, exit: GUIDE, rollback: GUIDE, guideSteps: GUIDE, code: CONST, script: CONST,
  case: 'measured figures the generator carries (constants)', sent: NUMBER, acked: NUMBER, lost: NUMBER, rejectedButWritten: NUMBER, duplicates: NUMBER, stall: CONST,
};

/** Spec free text: never raw, whatever SAFE says. */
const FREE_TEXT = new Set(['description', 'doc', 'reason', 'reasons']);

/** `{{this}}` depends on the list it iterates: allowed only in these templates, for these lists. */
const THIS_ALLOWED: Readonly<Record<string, string>> = {
  'config/redis/cluster-create.sh': 'host:port pairs of the cluster nodes (names and numbers)',
  'compose/README.md': 'notes the broker plugins write in Markdown',
  'project/README.md': 'the flowchart path and the guide\'s reasons (guide text)',
  'infra/README.md': 'notes the generator writes',
  'tls/README.md': 'certificate file paths and DNS names the generator builds from names',
  'migrations/runbook.md': 'the guide\'s benefits of the migration pattern (guide text)',
  'config/rabbitmq/init.sh': 'parameter expansions ${VAR:?…} of password variable names (names)',
};

/** Helpers that do not escape but are allowed: `json` (JSON text), and `join` over lists of safe values. */
const OTHER_HELPERS: Readonly<Record<string, string>> = {
  json: JSON_TEXT,
  join: 'joins names or guide text (its argument is checked like a raw value)',
};

interface Output {
  readonly template: string;
  readonly line: number;
  readonly source: string;
  readonly helper: string | undefined;
  readonly paths: string[];
}

function templates(dir = join(ROOT, 'templates')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templates(join(dir, e.name)) : e.name.endsWith('.hbs') ? [join(dir, e.name)] : []));
}

type Node = { type: string; [key: string]: unknown };

function pathsOf(node: Node | undefined): string[] {
  if (!node) return [];
  if (node.type === 'PathExpression') return [String(node.original)];
  if (node.type === 'SubExpression') return [...((node.params as Node[]) ?? []).flatMap(pathsOf)];
  return [];
}

/** Every output expression of every template: mustaches (double and triple) with their helper and value paths. */
function outputs(): Output[] {
  const out: Output[] = [];
  for (const file of templates()) {
    const template = relative(join(ROOT, 'templates'), file).replace(/\.hbs$/, '');
    const text = readFileSync(file, 'utf8');
    const visit = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Node;
      if (n.type === 'MustacheStatement') {
        const path = n.path as Node;
        const params = (n.params as Node[]) ?? [];
        const loc = n.loc as { start: { line: number } };
        const lines = text.split('\n');
        const helper = params.length > 0 ? String(path.original) : undefined;
        out.push({ template, line: loc.start.line, source: (lines[loc.start.line - 1] ?? '').trim(), helper, paths: helper ? params.flatMap(pathsOf) : [String(path.original)] });
      }
      for (const [k, v] of Object.entries(n)) if (k !== 'loc') (Array.isArray(v) ? v : [v]).forEach(visit);
    };
    visit(Handlebars.parse(text));
  }
  return out;
}

function lastSegment(path: string): string {
  return path.replace(/^(\.\.\/)+/, '').split('.').at(-1) ?? path;
}

/** Why an output expression is not allowed, or undefined. */
function problem(o: Output): string | undefined {
  if (o.helper && o.helper in ESCAPES) return undefined;
  if (o.helper && !(o.helper in OTHER_HELPERS)) return `helper ${o.helper} is neither an escaping helper (${Object.keys(ESCAPES).join(', ')}) nor allowed`;
  for (const path of o.paths) {
    const key = lastSegment(path);
    if (FREE_TEXT.has(key)) return `${path} is free text from the spec: wrap it in the helper for this language (${Object.keys(ESCAPES).join(', ')})`;
    if (key === 'this') {
      if (!(o.template in THIS_ALLOWED)) return `{{this}} is not known to be safe in ${o.template}: use an escaping helper`;
      continue;
    }
    if (o.helper === 'json') continue;
    if (!(key in SAFE)) return `${path} is output raw and is not on the allowlist: use an escaping helper, or add it to SAFE with the reason it is safe`;
  }
  return undefined;
}

describe('templates output spec values only through an escaping helper or from the allowlist', () => {
  const all = outputs();

  it('finds the output expressions (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(400);
    expect(all.filter((o) => o.helper === 'tsComment').map((o) => o.template)).toContain('clients/examples/kafka-topic.ts');
  });

  it('has no raw output of free text or of a value off the allowlist', () => {
    const bad = all.map((o) => ({ o, why: problem(o) })).filter((x) => x.why).map(({ o, why }) => `${o.template}:${o.line}: ${o.source}\n    ${why}`);
    expect(bad).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    const raw = (paths: string[], helper?: string): Output => ({ template: 'clients/examples/kafka-topic.ts', line: 1, source: '', helper, paths });
    expect(problem(raw(['channel.description']))).toMatch(/free text from the spec/);
    expect(problem(raw(['channel.description'], 'json'))).toMatch(/free text from the spec/);
    expect(problem(raw(['channel.description'], 'tsComment'))).toBeUndefined();
    expect(problem(raw(['channel.surprise']))).toMatch(/not on the allowlist/);
    expect(problem(raw(['this']))).toMatch(/not known to be safe/);
    expect(problem(raw(['x'], 'lookup'))).toMatch(/neither an escaping helper/);
  });

  it('leaves every allowlisted key in use (no stale entries)', () => {
    const used = new Set(all.flatMap((o) => o.paths.map(lastSegment)));
    expect(Object.keys(SAFE).filter((k) => !used.has(k))).toEqual([]);
  });
});

describe('the escaping helpers', () => {
  const hostile = 'x */ a\nb `c` $(d) ${e} \'f\' "g" <h> | i & j * _k_ [l](m) ~n~ $o$ \\ {{ p }}';

  it('leave clean text unchanged', () => {
    const clean = 'Clickstream events, keyed by user for per-user ordering; several consumer groups read the same data.';
    for (const f of [tsComment, md, mdCell]) expect(f(clean)).toBe(clean);
    expect(tsString(clean)).toBe(JSON.stringify(clean));
    expect(mdCode('orders.dlq')).toBe('`orders.dlq`');
    expect(sh('shop')).toBe("'shop'");
    expect(promqlString('shop')).toBe('"shop"');
    expect(mermaid('orders.dlq (queue, at-least-once)')).toBe('"orders.dlq (queue, at-least-once)"');
  });

  it('escape what would end or change the construct around them', () => {
    expect(tsComment(hostile)).not.toMatch(/\*\/|\n/);
    expect(tsString(hostile)).toBe(JSON.stringify(hostile));
    expect(md(hostile)).toBe('x \\*/ a b \\`c\\` \\$(d) \\${e} \'f\' "g" \\<h\\> \\| i \\& j \\* \\_k\\_ \\[l\\](m) \\~n\\~ \\$o\\$ \\\\ {{ p }}');
    expect(mdCell('  ')).toBe(' ');
    expect(mdCode('a `b` c')).toBe('``a `b` c``');
    expect(mdCode('`x')).toBe('`` `x ``');
    expect(sh("it's $(x)")).toBe("'it'\\''s $(x)'");
    expect(promqlString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    // Inside the quotes: no quote, line break, %, <, >, backtick, and no # or ; outside an entity code.
    expect(mermaid(hostile).replace(/#\d+;/g, '')).toMatch(/^"[^"\n%<>`;#]*"$/);
    expect(mermaid('a"b')).toBe('"a#34;b"');
    expect(mermaid('%% x: #y;')).toBe('"#37;#37; x#58; #35;y#59;"');
    expect(mermaid('😀')).toBe('"#128512;"');
  });
});
