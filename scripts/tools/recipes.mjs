// How each tool unit is built or fetched. Versions never live here: every recipe reads its pin
// (pins.json "tools.<unit>": version, plus the Go module or Debian package versions it names).
// A recipe installs into `dir` (a temporary folder that tools.mjs renames into the cache when done)
// and writes what its commands print to `logFile`. Plain ESM, no dependencies (Node 20 and 24).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';

/** An expected failure: tools.mjs prints its message as one line, without a stack trace. */
export class ToolError extends Error {}

export const duration = (ms) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

const isRoot = () => process.getuid?.() === 0;

/** Runs a command with its output appended to the log; rejects with the log's last line on failure. */
function run(cmd, args, { cwd, env = process.env, logFile, nice = false }) {
  const [command, argv] = nice ? ['nice', ['-n', '10', cmd, ...args]] : [cmd, args];
  fs.appendFileSync(logFile, `\n$ ${cmd} ${args.join(' ')}\n`);
  const out = fs.openSync(logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env, stdio: ['ignore', out, out] });
    child.on('error', (e) => { fs.closeSync(out); reject(e); });
    child.on('close', (code, signal) => {
      fs.closeSync(out);
      if (code === 0) return resolve();
      const last = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').filter((l) => l.trim()).pop() ?? '';
      reject(new Error(`${cmd} ${args[0] ?? ''} ${signal ? `killed by ${signal}` : `exit ${code}`}: ${last.trim()}`));
    });
  });
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function needGo(what) {
  if (!have('go')) throw new ToolError(`needs go on PATH (the machine's Go 1.26) to build ${what} from the Go module proxy`);
}

// ---------------------------------------------------------------- Go module builds
// The default Go module and build caches are the cache of the sources and objects; the build module
// (go.mod/go.sum) is kept in src/ beside the binaries to show what was built.
const goEnv = () => ({ ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', GOTOOLCHAIN: 'local' });

/** `go build -trimpath` of each target, one Go build at a time on this machine (a lock shared by every caller). */
async function goBuilds(ctx, src, targets) {
  const release = await ctx.acquire('go-build', 'waiting for another Go build to finish (one at a time on 2 cores)');
  try {
    for (const { pkg, out, ldflags } of targets) {
      await run('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', join(ctx.dir, out), pkg], { cwd: src, env: goEnv(), logFile: ctx.logFile, nice: true });
    }
  } finally {
    release();
  }
}

/** An empty module that requires `module@version` (via go get of the packages it builds). */
async function goModule(ctx, name, pkgs, version) {
  const src = join(ctx.dir, 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(join(src, 'go.mod'), `module local/${name}\n\ngo 1.26\n`);
  await run('go', ['get', ...pkgs.map((p) => `${p}@${version}`)], { cwd: src, env: goEnv(), logFile: ctx.logFile });
  return src;
}

const splitModule = (pin) => {
  const at = pin.module?.lastIndexOf('@') ?? -1;
  if (at < 1) throw new ToolError(`pins.json: tools entry for ${pin.version} needs "module": "<path>@<version>"`);
  return [pin.module.slice(0, at), pin.module.slice(at + 1)];
};

/** The ldflags the Prometheus projects' release builds (promu) set, so `--version` reports the release. */
const promVersionFlags = (version) => ['-s', '-w',
  `-X github.com/prometheus/common/version.Version=${version}`,
  '-X github.com/prometheus/common/version.Branch=HEAD',
  '-X github.com/prometheus/common/version.BuildUser=brokerplate-tools'].join(' ');

/**
 * A Prometheus-project module's commands. `uiPlaceholders`: web UI bundles that the release build
 * makes with npm and embeds, which the module on the proxy does not hold; the build then uses a copy
 * of the module with a placeholder page in each (the UI is missing, every API is the release's own).
 */
function prometheusProject({ label, estimate, cmds, uiPlaceholders = [] }) {
  return {
    verb: 'building', label, from: 'from the Go module proxy', estimate,
    provides: Object.fromEntries(cmds.map((c) => [c, c])),
    async install(ctx) {
      needGo(label);
      const [mod, version] = splitModule(ctx.pin);
      const src = await goModule(ctx, label.split('+')[0], cmds.map((c) => `${mod}/cmd/${c}`), version);
      // Module versions (v0.316.0) differ from release tags (v3.16.0): the module's VERSION file says which release it is.
      const where = spawnSync('go', ['list', '-m', '-f', '{{.Dir}}', mod], { cwd: src, env: goEnv(), encoding: 'utf8' }).stdout.trim();
      const release = where ? fs.readFileSync(join(where, 'VERSION'), 'utf8').trim() : '(unknown)';
      if (release !== ctx.pin.version) throw new ToolError(`${mod}@${version} is release ${release}, but pins.json says ${ctx.pin.version}`);
      if (uiPlaceholders.length > 0) {
        const copy = join(src, 'module');
        fs.cpSync(where, copy, { recursive: true });
        spawnSync('chmod', ['-R', 'u+w', copy]); // the module cache is read-only
        for (const dir of uiPlaceholders) {
          fs.mkdirSync(join(copy, dir), { recursive: true });
          fs.writeFileSync(join(copy, dir, 'index.html'), '<!doctype html><title>UI not built</title><p>Built by brokerplate scripts/tools without the web UI.</p>\n');
        }
        fs.appendFileSync(join(src, 'go.mod'), `\nreplace ${mod} => ./module\n`);
      }
      await goBuilds(ctx, src, cmds.map((c) => ({ pkg: `${mod}/cmd/${c}`, out: c, ldflags: promVersionFlags(ctx.pin.version) })));
    },
  };
}

// ---------------------------------------------------------------- Kubernetes (k8s.io/kubernetes is not meant to be required)
// Its go.mod points the 31 staging modules (k8s.io/api, client-go, …) at ./staging with version v0.0.0.
// A module that requires it must take that go.mod, require the published staging modules instead
// (v0.<minor>.<patch>), and leave out the two sample modules that are never published at that version.
export function kubernetesGoMod(upstream, version) {
  const staging = `v0.${version.split('.').slice(1).join('.')}`;
  const dropped = /^\s*k8s\.io\/sample-(cli-plugin|controller)\b/;
  const lines = upstream.split('\n').filter((l) => !dropped.test(l)).map((l) => l
    .replace(/^module k8s\.io\/kubernetes$/, 'module local/kubernetesbuild')
    .replace(/^(\s*k8s\.io\/[\w.-]+) v0\.0\.0$/, `$1 ${staging}`)
    .replace(/^(\s*)(k8s\.io\/[\w.-]+) => \.\/staging\/src\/k8s\.io\/[\w.-]+$/, `$1$2 => $2 ${staging}`));
  const text = lines.join('\n');
  if (/\.\/staging\//.test(text) || / v0\.0\.0$/m.test(text)) throw new ToolError('k8s.io/kubernetes go.mod: a staging requirement was left unconverted');
  return `${text.trimEnd()}\n\nrequire k8s.io/kubernetes v${version}\n`;
}

function kubernetesBinary({ cmd, estimate }) {
  return {
    verb: 'building', label: cmd, from: 'from k8s.io/kubernetes on the Go module proxy', estimate,
    provides: { [cmd]: cmd },
    async install(ctx) {
      needGo(cmd);
      const [mod, version] = splitModule(ctx.pin);
      const src = join(ctx.dir, 'src');
      fs.mkdirSync(src, { recursive: true });
      fs.writeFileSync(join(src, 'go.mod'), 'module local/probe\n\ngo 1.26\n');
      const info = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], { cwd: src, env: goEnv(), encoding: 'utf8' });
      if (info.status !== 0) throw new ToolError(`go mod download ${mod}@${version} failed: ${(info.stdout + info.stderr).trim().split('\n').pop()}`);
      const upstream = fs.readFileSync(JSON.parse(info.stdout).GoMod, 'utf8');
      fs.writeFileSync(join(src, 'go.mod'), kubernetesGoMod(upstream, ctx.pin.version));
      const [major, minor] = ctx.pin.version.split('.');
      const ldflags = ['-s', '-w', ...['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((p) => [
        `-X ${p}.gitVersion=v${ctx.pin.version}`, `-X ${p}.gitMajor=${major}`, `-X ${p}.gitMinor=${minor}`, `-X ${p}.gitTreeState=clean`])].join(' ');
      await goBuilds(ctx, src, [{ pkg: `${mod}/cmd/${cmd}`, out: cmd, ldflags }]);
    },
  };
}

// ---------------------------------------------------------------- Debian packages
async function aptGetRoot(args, logFile) {
  if (!isRoot()) throw new ToolError(`needs apt-get as root: run apt-get ${args.join(' ')}`);
  await run('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, logFile });
}

/** Unpacks Debian 12 .deb files of exact versions (apt-get download + dpkg -x): no service is installed or started. */
async function debUnpack(ctx, packages) {
  const debs = join(ctx.dir, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  const specs = Object.entries(packages).map(([p, v]) => `${p}=${v}`);
  try {
    await run('apt-get', ['download', ...specs], { cwd: debs, logFile: ctx.logFile });
  } catch {
    await aptGetRoot(['update', '-q'], ctx.logFile); // package lists missing or stale
    await run('apt-get', ['download', ...specs], { cwd: debs, logFile: ctx.logFile })
      .catch((e) => { throw new ToolError(`apt-get download ${specs.join(' ')} failed (is that version still in Debian 12?): ${e.message}`); });
  }
  for (const deb of fs.readdirSync(debs)) await run('dpkg', ['-x', join(debs, deb), ctx.dir], { logFile: ctx.logFile });
}

/**
 * The command line that runs `argv` chrooted into a Debian root with its own /proc (a private mount
 * namespace: the mount goes away with the process, however it ends). `user` runs it as that user of
 * the root (chroot --userspec): unlike `su`, the command stays in the caller's process group, so
 * signalling the group stops all of it.
 */
export function inTrixie(root, argv, { user } = {}) {
  const chroot = user ? `exec chroot --userspec=${user}:${user} "$0" "$@"` : 'exec chroot "$0" "$@"';
  if (user && !/^[a-z_][a-z0-9_-]*$/.test(user)) throw new ToolError(`not a user name: ${user}`);
  return {
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', `mount -t proc proc "$0/proc" && ${chroot}`, root, ...argv],
  };
}

const debianTrixie = {
  verb: 'installing', label: 'a Debian 13 root', from: 'with debootstrap from the Debian mirror', estimate: 'about 2 min cold',
  shown: (pin) => `${pin.suite} ${pin.version} (${Object.entries(pin.packages).map(([p, v]) => `${p} ${v}`).join(', ')})`,
  provides: { 'debian-trixie': 'root' },
  async install(ctx) {
    if (!isRoot()) throw new ToolError('needs root for debootstrap and chroot: run as root (the Debian 13 brokers are unpacked into a root folder)');
    if (!have('debootstrap')) await aptGetRoot(['install', '-y', '-q', '--no-install-recommends', 'debootstrap'], ctx.logFile);
    const { suite, mirror, packages } = ctx.pin;
    const root = join(ctx.dir, 'root');
    // In a private mount namespace: the /proc and /sys debootstrap mounts inside the root never outlive it.
    await run('unshare', ['--mount', '--propagation', 'private', '--', 'debootstrap', '--variant=minbase',
      `--include=${Object.keys(packages).join(',')}`, suite, root, mirror], { logFile: ctx.logFile });
    const q = spawnSync('chroot', [root, 'dpkg-query', '-W', '-f', '${Package} ${Version}\\n', ...Object.keys(packages)], { encoding: 'utf8' });
    const got = Object.fromEntries(q.stdout.trim().split('\n').map((l) => l.split(' ')));
    const wrong = Object.entries(packages).filter(([p, v]) => got[p] !== v);
    if (wrong.length) {
      throw new ToolError(`debian-trixie: ${suite} served ${wrong.map(([p, v]) => `${p} ${got[p] ?? '(none)'} (pins.json: ${v})`).join(', ')}; check the new versions and bump pins.json`);
    }
  },
};

// ---------------------------------------------------------------- Maven Central
const jmxJavaagent = {
  verb: 'downloading', label: 'jmx_prometheus_javaagent', from: 'from Maven Central with mvn', estimate: 'a few seconds',
  provides: { 'jmx-javaagent': 'jmx_prometheus_javaagent.jar' },
  async install(ctx) {
    if (!have('mvn')) throw new ToolError('needs mvn (Maven) on PATH: run apt-get install -y maven');
    await run('mvn', ['-q', '-B', `org.apache.maven.plugins:maven-dependency-plugin:${ctx.pin.mavenDependencyPlugin}:copy`,
      `-Dartifact=${ctx.pin.artifact}:${ctx.pin.version}`, `-DoutputDirectory=${ctx.dir}`, '-Dmdep.stripVersion=true'], { cwd: ctx.dir, logFile: ctx.logFile });
  },
};

// ---------------------------------------------------------------- CRD manifests from a Go module
// Operators publish their CustomResourceDefinitions as plain YAML inside their Go modules; the
// API-server checks install them so that the generated custom objects are judged by their schemas.
function crdsFromGoModule({ label, tool }) {
  return {
    verb: 'fetching', label, from: 'from its Go module on the Go module proxy', estimate: 'about 10 s cold',
    provides: { [tool]: 'crds' },
    async install(ctx) {
      needGo(label);
      const [mod, version] = splitModule(ctx.pin);
      const info = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], { cwd: ctx.dir, env: { ...goEnv(), GOFLAGS: '' }, encoding: 'utf8' });
      const parsed = info.status === 0 ? JSON.parse(info.stdout) : undefined;
      if (!parsed?.Dir) throw new ToolError(`go mod download ${mod}@${version} failed: ${(info.stdout + info.stderr).trim().split('\n').pop()}`);
      const from = join(parsed.Dir, ctx.pin.path);
      fs.mkdirSync(join(ctx.dir, 'crds'));
      for (const f of fs.readdirSync(from).filter((n) => n.endsWith('.yaml'))) fs.copyFileSync(join(from, f), join(ctx.dir, 'crds', f));
    },
  };
}
// ServiceMonitor and PrometheusRule.
const prometheusOperatorCrds = crdsFromGoModule({ label: 'prometheus-operator CRDs', tool: 'prometheus-operator-crds' });
// Issuer and Certificate (the prod stacks' TLS in Kubernetes).
const certManagerCrds = crdsFromGoModule({ label: 'cert-manager CRDs', tool: 'cert-manager-crds' });

/** Install units, keyed as in pins.json "tools"; `provides` maps each tool name to its file inside the unit's folder. */
export const RECIPES = {
  'docker-compose': {
    verb: 'building', label: 'docker-compose', from: 'from the Go module proxy', estimate: '2 to 9 min cold',
    // The plugin binary runs on its own (`docker-compose config`), and the machine's docker CLI finds it
    // as `docker compose` with DOCKER_CONFIG set to this unit's folder.
    provides: { 'docker-compose': 'cli-plugins/docker-compose' },
    async install(ctx) {
      needGo('docker-compose');
      const [mod, version] = splitModule(ctx.pin);
      const src = await goModule(ctx, 'composebuild', [`${mod}/cmd`], version);
      fs.mkdirSync(join(ctx.dir, 'cli-plugins'));
      await goBuilds(ctx, src, [{ pkg: `${mod}/cmd`, out: 'cli-plugins/docker-compose', ldflags: `-s -w -X ${mod}/internal.Version=v${ctx.pin.version}` }]);
    },
  },
  'kube-apiserver': kubernetesBinary({ cmd: 'kube-apiserver', estimate: 'about 20 min cold' }),
  kubectl: kubernetesBinary({ cmd: 'kubectl', estimate: 'about 1 min after kube-apiserver, much longer alone' }),
  etcd: {
    verb: 'unpacking', label: 'etcd', shown: (pin) => `v${pin.version} (Debian ${pin.packages['etcd-server']})`, from: "from Debian 12's etcd-server package, unpacked with no service", estimate: 'a few seconds',
    provides: { etcd: 'usr/bin/etcd' },
    install: (ctx) => debUnpack(ctx, ctx.pin.packages),
  },
  prometheus: prometheusProject({ label: 'prometheus+promtool', estimate: 'about 10 min cold', cmds: ['prometheus', 'promtool'] }),
  alertmanager: prometheusProject({ label: 'alertmanager+amtool', estimate: 'about 2 min after prometheus (it shares its modules), longer alone', cmds: ['alertmanager', 'amtool'], uiPlaceholders: ['ui/app/dist/elm', 'ui/app/dist/mantine'] }),
  pushgateway: {
    verb: 'building', label: 'pushgateway', from: 'from the Go module proxy', estimate: 'under a minute after alertmanager, longer alone',
    provides: { pushgateway: 'pushgateway' },
    async install(ctx) {
      needGo('pushgateway');
      const [mod, version] = splitModule(ctx.pin);
      const src = await goModule(ctx, 'pushgatewaybuild', [mod], version);
      await goBuilds(ctx, src, [{ pkg: mod, out: 'pushgateway', ldflags: promVersionFlags(ctx.pin.version) }]);
    },
  },
  'debian-trixie': debianTrixie,
  'jmx-javaagent': jmxJavaagent,
  'prometheus-operator-crds': prometheusOperatorCrds,
  'cert-manager-crds': certManagerCrds,
};
