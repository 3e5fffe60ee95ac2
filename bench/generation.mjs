// Generation wall time, measured side by side: each round runs every command once, in turn, so
// machine noise hits them alike. Reports medians and ratios to `node -e 0`.
// Usage: node bench/generation.mjs [rounds] [--json file] [--compare <dist>]   (npm run bench:generation)
// --compare adds the same generation by another build of the bin, e.g. an older commit's:
//   git worktree add /tmp/wt <commit> && cd /tmp/wt && ln -s "$OLDPWD/node_modules" && node scripts/build.mjs
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = process.execPath;
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const compareAt = args.indexOf('--compare');
const compareDist = compareAt >= 0 ? args.splice(compareAt, 2)[1] : undefined;
const rounds = Number(args[0] ?? 20);
const work = mkdtempSync(join(tmpdir(), 'brokerplate-bench-'));

// The Yeoman floor: yo running a generator that does nothing.
const yoHome = join(work, 'yo');
const empty = join(yoHome, 'node_modules', 'generator-empty');
mkdirSync(join(empty, 'generators', 'app'), { recursive: true });
mkdirSync(join(yoHome, 'home'));
writeFileSync(join(empty, 'package.json'), JSON.stringify({ name: 'generator-empty', version: '1.0.0', type: 'module' }));
writeFileSync(join(empty, 'generators', 'app', 'index.js'), "import Generator from 'yeoman-generator';\nexport default class extends Generator { writing() {} }\n");
symlinkSync(join(ROOT, 'node_modules', 'yeoman-generator'), join(yoHome, 'node_modules', 'yeoman-generator'));
if (process.getuid?.() === 0) {
  // yo drops root to uid 1000; let that user own what it touches.
  for (const p of [work, yoHome, join(yoHome, 'node_modules'), empty, join(empty, 'generators'), join(empty, 'generators', 'app'), join(yoHome, 'home')]) chownSync(p, 1000, 1000);
}

const out = join(work, 'out');
const commands = [
  { name: 'node -e 0', argv: [NODE, '-e', '0'] },
  { name: 'yo empty generator (Yeoman floor)', argv: [NODE, join(ROOT, 'node_modules/yo/lib/cli.js'), 'empty', '--no-insight'], cwd: yoHome, env: { HOME: join(yoHome, 'home'), NO_UPDATE_NOTIFIER: '1' } },
  { name: 'brokerplate --help', argv: [NODE, join(ROOT, 'dist/brokerplate.mjs'), '--help'] },
  generationBy('brokerplate hybrid/prod --yes', join(ROOT, 'dist')),
  ...(compareDist ? [generationBy(`brokerplate hybrid/prod --yes (${compareDist})`, resolve(compareDist))] : []),
];

function generationBy(name, dist) {
  return { name, argv: [NODE, join(dist, 'brokerplate.mjs'), out, '--scenario', 'hybrid', '--profile', 'prod', '--name', 'shop', '--yes'], before: () => rmSync(out, { recursive: true, force: true }) };
}

const times = commands.map(() => []);
for (let r = 0; r < rounds + 1; r++) {
  commands.forEach((c, i) => {
    c.before?.();
    const t0 = process.hrtime.bigint();
    const res = spawnSync(c.argv[0], c.argv.slice(1), { cwd: c.cwd ?? work, env: { ...process.env, ...c.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 0) throw new Error(`${c.name} failed: ${res.stderr}`);
    if (r > 0) times[i].push(ms); // round 0 warms the file cache
  });
}
rmSync(work, { recursive: true, force: true });

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const base = q(times[0], 0.5);
console.log(`| Command | median ms | p90 ms | × node -e 0 |\n|---|---|---|---|`);
commands.forEach((c, i) => console.log(`| ${c.name} | ${q(times[i], 0.5).toFixed(0)} | ${q(times[i], 0.9).toFixed(0)} | ${(q(times[i], 0.5) / base).toFixed(1)} |`));
console.log(`\n${rounds} interleaved rounds, Node ${process.version}.`);
if (jsonFile) {
  const rows = commands.map((c, i) => ({ name: c.name, medianMs: q(times[i], 0.5), p90Ms: q(times[i], 0.9), ratio: q(times[i], 0.5) / base }));
  writeFileSync(jsonFile, `${JSON.stringify({ rounds, node: process.version, rows }, null, 2)}\n`);
}
