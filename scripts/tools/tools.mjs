#!/usr/bin/env node
// The real tools the tests and CI need (compose CLI, kube-apiserver, etcd, kubectl, promtool, amtool,
// Prometheus, Alertmanager, Pushgateway, the Debian 13 brokers, the JMX exporter agent), built or
// fetched at the versions pins.json names, once, into a cache shared by every checkout:
//   ${XDG_CACHE_HOME:-$HOME/.cache}/brokerplate/tools/<unit>-<version>/
// CLI:    node scripts/tools/tools.mjs ensure <tool...>   prints NAME=/path lines (e.g. PROMTOOL=/…/promtool)
//         node scripts/tools/tools.mjs path <tool>        prints the path if cached, else exits 1
//         node scripts/tools/tools.mjs list               the tools, their versions and whether they are cached
//         node scripts/tools/tools.mjs exec debian-trixie -- <cmd...>   runs a command inside the Debian 13 root
// Module: import { ensure, toolPath, TOOLS } from './tools.mjs'   (ensure(['promtool']) → { promtool: '/…' })
// Plain ESM with no dependencies: runs on the system Node 20 as well as Node 24. See README.md beside this file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECIPES, ToolError, duration, inTrixie } from './recipes.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PINS_FILE = resolve(HERE, '..', '..', 'pins.json');
export const CACHE = resolve(process.env.BROKERPLATE_TOOLS_DIR
  || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'brokerplate', 'tools'));
const LOCKS = join(CACHE, '.locks');
const LOGS = join(CACHE, '.logs');

const log = (line) => process.stderr.write(`tools: ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every tool name → its install unit (one build or download) and the file inside the unit's folder. */
export const TOOLS = Object.fromEntries(Object.entries(RECIPES).flatMap(([unit, recipe]) =>
  Object.entries(recipe.provides).map(([tool, file]) => [tool, { unit, file }])));

/** The environment-variable name a tool's path is printed under: promtool → PROMTOOL, jmx-javaagent → JMX_JAVAAGENT. */
export const varName = (tool) => tool.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

function readPins() {
  return JSON.parse(fs.readFileSync(PINS_FILE, 'utf8')).tools;
}

function pinOf(unit, pins = readPins()) {
  const pin = pins[unit];
  if (!pin?.version) throw new ToolError(`pins.json has no "tools.${unit}" entry with a version`);
  return pin;
}

/** The version as a reader knows it (v3.16.0, trixie 2026-12-04 …). */
const shown = (recipe, pin) => (recipe.shown ? recipe.shown(pin) : `v${pin.version}`);

const unitDir = (unit, pin) => join(CACHE, `${unit}-${pin.version}`);

/** The path of a cached tool, or undefined when it is not built yet. */
export function toolPath(tool) {
  const entry = TOOLS[tool];
  if (!entry) throw new ToolError(`unknown tool "${tool}" (known: ${Object.keys(TOOLS).join(', ')})`);
  const dir = unitDir(entry.unit, pinOf(entry.unit));
  return fs.existsSync(join(dir, '.installed.json')) ? join(dir, entry.file) : undefined;
}

// ---------------------------------------------------------------- cross-process lock
const alive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};

/** Takes a lock directory (atomic mkdir holding the owner's pid); waits while a live process holds it. */
export async function acquire(name, waitingLine) {
  const lock = join(LOCKS, `${name}.lock`);
  fs.mkdirSync(LOCKS, { recursive: true });
  for (let told = false; ;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(join(lock, 'pid'), `${process.pid}\n`);
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try { holder = Number.parseInt(fs.readFileSync(join(lock, 'pid'), 'utf8'), 10); } catch {}
    if (Number.isNaN(holder)) {
      // Between the holder's mkdir and its pid write, or a holder that died right there.
      try { if (Date.now() - fs.statSync(lock).mtimeMs > 30_000) fs.rmSync(lock, { recursive: true, force: true }); } catch {}
    } else if (!alive(holder)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    } else if (!told && waitingLine) {
      log(`${waitingLine} (pid ${holder} holds ${lock})`);
      told = true;
    }
    await sleep(500);
  }
}

// ---------------------------------------------------------------- installing one unit
async function install(unit, pin) {
  const recipe = RECIPES[unit];
  const dir = unitDir(unit, pin);
  const release = await acquire(unit, `waiting for another process installing ${unit} ${pin.version}`);
  try {
    if (fs.existsSync(join(dir, '.installed.json'))) return; // built by the process we waited for
    const tmp = join(CACHE, `.tmp-${unit}-${pin.version}-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    fs.mkdirSync(LOGS, { recursive: true });
    const logFile = join(LOGS, `${unit}-${pin.version}.log`);
    fs.writeFileSync(logFile, `# ${new Date().toISOString()} ${unit} ${pin.version}\n`);
    log(`${recipe.verb} ${recipe.label} ${shown(recipe, pin)} ${recipe.from} (${pin.why}) — ${recipe.estimate}`);
    const t0 = Date.now();
    try {
      await recipe.install({ dir: tmp, pin, logFile, acquire });
      for (const file of Object.values(recipe.provides)) {
        if (!fs.existsSync(join(tmp, file))) throw new ToolError(`${unit}: the install left no ${file}`);
      }
      fs.writeFileSync(join(tmp, '.installed.json'), `${JSON.stringify({ unit, ...pin, installed: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000) }, null, 2)}\n`);
      fs.rmSync(dir, { recursive: true, force: true }); // a half-finished folder from an older layout
      fs.renameSync(tmp, dir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (e instanceof ToolError) throw e;
      throw new ToolError(`${recipe.verb} ${unit} ${pin.version} failed: ${e.message} (log: ${logFile})`);
    }
    log(`${recipe.label} ${shown(recipe, pin)} ready in ${duration(Date.now() - t0)} (${dir}, ${sizeMB(dir)} MB)`);
  } finally {
    release();
  }
}

function sizeMB(dir) {
  let bytes = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += fs.statSync(p).size;
    }
  };
  walk(dir);
  return Math.round(bytes / 1e6);
}

/** Builds or fetches every missing tool (one at a time), and returns { tool: absolute path }. */
export async function ensure(tools) {
  const pins = readPins();
  for (const t of tools) toolPath(t); // unknown names fail before any work starts
  const result = {};
  for (const tool of tools) {
    const { unit, file } = TOOLS[tool];
    const pin = pinOf(unit, pins);
    const dir = unitDir(unit, pin);
    if (!fs.existsSync(join(dir, '.installed.json'))) await install(unit, pin);
    result[tool] = join(dir, file);
  }
  return result;
}

// ---------------------------------------------------------------- CLI
function runInTrixie(argv) {
  const root = toolPath('debian-trixie');
  if (!root) throw new ToolError('debian-trixie is not installed: run node scripts/tools/tools.mjs ensure debian-trixie');
  const { command, args } = inTrixie(root, argv);
  return new Promise((res) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    // Passed on, so that stopping this process stops the command (unshare, sh and chroot all exec it).
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
    child.on('error', (e) => { log(`${command}: ${e.message}`); res(1); });
    child.on('close', (code, sig) => res(code ?? (sig ? 128 : 1)));
  });
}

async function main(argv) {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'ensure': {
      if (args.length === 0) throw new ToolError('ensure needs at least one tool name');
      const paths = await ensure(args);
      for (const [tool, p] of Object.entries(paths)) process.stdout.write(`${varName(tool)}=${p}\n`);
      return 0;
    }
    case 'path': {
      if (args.length !== 1) throw new ToolError('path needs one tool name');
      const p = toolPath(args[0]);
      if (!p) return 1;
      process.stdout.write(`${p}\n`);
      return 0;
    }
    case 'list': {
      const pins = readPins();
      for (const [tool, { unit }] of Object.entries(TOOLS)) {
        const pin = pinOf(unit, pins);
        process.stdout.write(`${tool}\t${shown(RECIPES[unit], pin)}\t${toolPath(tool) ?? '(not cached)'}\n`);
      }
      return 0;
    }
    case 'exec': {
      const sep = args.indexOf('--');
      if (args[0] !== 'debian-trixie' || sep !== 1 || args.length < 3) throw new ToolError('usage: exec debian-trixie -- <command...>');
      return runInTrixie(args.slice(2));
    }
    default:
      throw new ToolError('usage: tools.mjs ensure <tool...> | path <tool> | list | exec debian-trixie -- <command...>');
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    log(e instanceof ToolError ? e.message : (e?.stack ?? String(e)));
    process.exitCode = 1;
  });
}
