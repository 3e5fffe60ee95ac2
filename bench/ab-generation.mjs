// A/B of two builds of the bin: each round runs both (in alternating order) on the same
// non-interactive hybrid/prod generation; reports both medians and their ratio.
// Usage: node bench/ab-generation.mjs <dist A> <dist B> [rounds]
// A dist/ from another commit: git worktree add /tmp/wt <commit> && cd /tmp/wt && ln -s "$OLDPWD/node_modules" && node scripts/build.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [a, b, roundsArg = '15'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/ab-generation.mjs <dist A> <dist B> [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const work = mkdtempSync(join(tmpdir(), 'brokerplate-ab-'));
const out = join(work, 'out');
const sides = [['A', resolve(a)], ['B', resolve(b)]];
const times = { A: [], B: [] };
for (let r = 0; r <= rounds; r++) {
  for (const [name, dist] of r % 2 ? [...sides].reverse() : sides) {
    rmSync(out, { recursive: true, force: true });
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [join(dist, 'brokerplate.mjs'), out, '--scenario', 'hybrid', '--profile', 'prod', '--name', 'shop', '--yes'], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (res.status !== 0) throw new Error(`${name} (${dist}) failed: ${res.stderr}`);
    if (r > 0) times[name].push(Number(process.hrtime.bigint() - t0) / 1e6); // round 0 warms caches
  }
}
rmSync(work, { recursive: true, force: true });
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`A ${median(times.A).toFixed(0)} ms, B ${median(times.B).toFixed(0)} ms, B/A ${(median(times.B) / median(times.A)).toFixed(2)} (${rounds} rounds, Node ${process.version})`);
