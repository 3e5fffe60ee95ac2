/**
 * The bad-input corpus, run through the built bin as a user would: each row sets up a destination
 * (an existing project, hostile files, an unusual place), runs `brokerplate` with its argv, and
 * asserts the exit code, exactly one line `brokerplate: error: …` matching the row's message (the
 * file or field, and the rule), no stack trace and no Yeoman "An error occured" line, no hang, and
 * the scratch folder byte-identical before and after (every file's bytes and mode, every link's
 * target, every folder).
 *
 * Runners: `bin` (stdin closed or an open pipe), `user` (as uid 1000 when the tests run as root,
 * so permissions bite), `tty` (a real pseudo-terminal, test/support/terminal.py) and `mount` (a
 * private mount namespace with a small or read-only tmpfs: real ENOSPC and EROFS; root only).
 */
import { chmodSync, chownSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentHash, MANIFEST_FILE } from '../../generators/write/manifest.ts';
import { BIN, ROOT, runBin, runCommand, tempDir, type RunResult } from '../support/cli.ts';
import { hashTree, type Tree } from '../support/tree.ts';

const IS_ROOT = process.getuid?.() === 0;
const USER = 1000;

interface Ctx {
  /** Everything a row touches lives here; it is what gets hashed. */
  readonly root: string;
  /** The default destination, root/proj. */
  readonly dest: string;
}

interface Row {
  readonly name: string;
  readonly setup?: (c: Ctx) => void;
  readonly argv: (c: Ctx) => string[];
  readonly code: number;
  /** Matched against the one error line after `brokerplate: error: ` (or a stdout line for a dry run). */
  readonly message: RegExp;
  readonly runner?: 'bin' | 'pipe' | 'user' | 'tty' | 'mount';
  /** tty: the prompts to wait for and the keys to type. */
  readonly keys?: readonly (readonly [string, string])[];
  /** mount: shell lines run as root inside the namespace before the tree is hashed ($DEST, $ROOT, $BASE are set). */
  readonly mount?: readonly string[];
  /** Where the expected line is printed (a dry run prints its plan on stdout and exits 0). */
  readonly stream?: 'stderr' | 'stdout';
}

// Projects generated once; rows copy them.
const CACHE = tempDir('brokerplate-corpus-base-');
const RPC = join(CACHE, 'rpc');

function project(c: Ctx): void {
  cpSync(RPC, c.dest, { recursive: true, verbatimSymlinks: true });
}

function at(c: Ctx, path: string): string {
  return join(c.dest, ...path.split('/'));
}

function edit(c: Ctx, path: string, fn: (text: string) => string): void {
  writeFileSync(at(c, path), fn(readFileSync(at(c, path), 'utf8')));
}

/** Moves a project file outside (root/outside/<name>) and leaves a symbolic link to it in its place. */
function linkOut(c: Ctx, path: string): string {
  const target = join(c.root, 'outside', path.replaceAll('/', '_'));
  mkdirSync(join(c.root, 'outside'), { recursive: true });
  renameSync(at(c, path), target);
  symlinkSync(target, at(c, path));
  return target;
}

function manifestWith(c: Ctx, entries: Record<string, string>): void {
  edit(c, MANIFEST_FILE, (t) => {
    const m = JSON.parse(t) as { files: Record<string, string> };
    return JSON.stringify({ ...m, files: { ...m.files, ...entries } });
  });
}

function outsideFile(c: Ctx, name = 'outside.txt', text = 'not brokerplate\'s'): string {
  writeFileSync(join(c.root, name), text);
  return contentHash(text);
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed`);
}

const renameChannel = (c: Ctx) => edit(c, 'brokerplate.yaml', (t) => t.replace('name: quote-requests', 'name: quotes'));
const handEdit = (c: Ctx, path = 'README.md') => edit(c, path, (t) => `${t}\nmy notes\n`);
const dest = (c: Ctx) => [c.dest];
const fresh = (c: Ctx) => [c.dest, '--scenario', 'rpc', '--yes'];

const ROWS: Row[] = [
  // Destinations
  { name: 'the destination is a file', setup: (c) => writeFileSync(c.dest, 'x'), argv: fresh, code: 1, message: /\/proj: is a file, not a folder; give a folder to generate into$/ },
  { name: '/dev/null', argv: () => ['/dev/null', '--scenario', 'rpc', '--yes'], code: 1, message: /^\/dev\/null: is inside \/dev, a kernel pseudo-filesystem; choose a normal folder$/ },
  { name: '/proc/self/x (used to hang)', argv: () => ['/proc/self/x', '--scenario', 'rpc', '--yes'], code: 1, message: /^\/proc\/self\/x: is inside \/proc, a kernel pseudo-filesystem/ },
  { name: '/proc itself', argv: () => ['/proc', '--scenario', 'rpc', '--yes'], code: 1, message: /^\/proc: is inside \/proc, a kernel pseudo-filesystem/ },
  { name: 'a folder under /sys', argv: () => ['/sys/kernel/brokerplate', '--scenario', 'rpc', '--yes'], code: 1, message: /^\/sys\/kernel\/brokerplate: is inside \/sys, a kernel pseudo-filesystem/ },
  { name: 'a link to /proc/self', setup: (c) => symlinkSync('/proc/self', c.dest), argv: fresh, code: 1, message: /\/proj: is inside \/proc, a kernel pseudo-filesystem/ },
  { name: 'a link to /dev/null', setup: (c) => symlinkSync('/dev/null', c.dest), argv: fresh, code: 1, message: /\/proj: is inside \/dev, a kernel pseudo-filesystem/ },
  { name: 'a folder under a file', setup: (c) => writeFileSync(join(c.root, 'afile'), 'x'), argv: (c) => [join(c.root, 'afile', 'sub'), '--scenario', 'rpc', '--yes'], code: 1, message: /\/afile\/sub: cannot create it: .*\/afile is a file, not a folder \(ENOTDIR\)$/ },
  { name: 'a named pipe', setup: (c) => mkfifo(c.dest), argv: fresh, code: 1, message: /\/proj: is a named pipe, not a folder/ },
  { name: 'a parent folder the user cannot write', runner: 'user', setup: (c) => mkdirSync(join(c.root, 'locked'), { mode: 0o555 }), argv: (c) => [join(c.root, 'locked', 'proj'), '--scenario', 'rpc', '--yes'], code: 1, message: /\/locked\/proj: cannot create it: .*\/locked is not writable: permission denied \(EACCES\)$/ },
  { name: 'a project folder the user cannot write', runner: 'user', setup: (c) => { project(c); chmodSync(c.dest, 0o555); }, argv: (c) => [c.dest, '--profile', 'prod'], code: 1, message: /\/proj: cannot write into it: permission denied \(EACCES\)$/ },
  { name: 'a read-only folder inside the project (writes already staged are undone)', runner: 'user', setup: (c) => { project(c); chmodSync(at(c, 'config/rabbitmq'), 0o555); }, argv: (c) => [c.dest, '--profile', 'prod'], code: 1, message: /^config\/rabbitmq\/definitions\.json: cannot write it: permission denied \(EACCES\); nothing was changed$/ },
  { name: 'a full disk (ENOSPC on a 16 KiB tmpfs)', runner: 'mount', mount: ['mount -t tmpfs -o size=16k tmpfs "$DEST"'], argv: fresh, code: 1, message: /: cannot [\w ./-]+: no space left on the device \(ENOSPC\); nothing was changed$/ },
  { name: 'a full disk during a regeneration (ENOSPC)', runner: 'mount', mount: ['mount -t tmpfs -o size=2m tmpfs "$DEST"', 'cp -a "$BASE"/. "$DEST"', 'head -c $(($(df --output=avail -B1 "$DEST" | tail -1) - 40960)) /dev/zero > "$DEST/ballast"'], argv: (c) => [c.dest, '--profile', 'prod'], code: 1, message: /no space left on the device \(ENOSPC\); nothing was changed$/ },
  { name: 'a read-only file system (EROFS)', runner: 'mount', mount: ['mount -t tmpfs -o ro tmpfs "$DEST"'], argv: fresh, code: 1, message: /\/proj: cannot write into it: read-only file system \(EROFS\)$/ },
  { name: 'a read-only mount inside the project (EROFS midway)', runner: 'mount', mount: ['cp -a "$BASE"/. "$DEST"', 'mount --bind "$DEST/config" "$DEST/config"', 'mount -o remount,bind,ro "$DEST/config"'], argv: (c) => [c.dest, '--profile', 'prod'], code: 1, message: /^config\/rabbitmq\/definitions\.json: cannot write it: read-only file system \(EROFS\); nothing was changed$/ },

  // Symbolic links and things that are not files where files go
  { name: '.env links to a file outside', setup: (c) => { project(c); linkOut(c, '.env'); }, argv: dest, code: 1, message: /^\.env: is a symbolic link \(to .*\/outside\/\.env\); brokerplate writes and deletes nothing through a link: replace it with a regular file, or remove it$/ },
  { name: '.env links outside, with --force', setup: (c) => { project(c); linkOut(c, '.env'); }, argv: (c) => [c.dest, '--force'], code: 1, message: /^\.env: is a symbolic link/ },
  { name: 'README.md links outside, with --force', setup: (c) => { project(c); linkOut(c, 'README.md'); }, argv: (c) => [c.dest, '--force'], code: 1, message: /^README\.md: is a symbolic link \(to .*\/outside\/README\.md\)/ },
  { name: 'brokerplate.yaml links outside', setup: (c) => { project(c); linkOut(c, 'brokerplate.yaml'); }, argv: dest, code: 1, message: /^brokerplate\.yaml: is a symbolic link/ },
  { name: 'src/ links to a folder outside', setup: (c) => { project(c); linkOut(c, 'src'); }, argv: (c) => [c.dest, '--force'], code: 1, message: /^src: is a symbolic link \(to .*\/outside\/src\); brokerplate writes and deletes nothing through a link \(needed for src\// },
  { name: 'the manifest links outside', setup: (c) => { project(c); linkOut(c, MANIFEST_FILE); }, argv: dest, code: 1, message: /^\.brokerplate\/files\.json: is a symbolic link/ },
  { name: '.brokerplate/ links outside', setup: (c) => { project(c); linkOut(c, '.brokerplate'); }, argv: dest, code: 1, message: /^\.brokerplate: is a symbolic link/ },
  { name: 'a dangling link where README.md goes', setup: (c) => { mkdirSync(c.dest); symlinkSync('/nonexistent/brokerplate', at(c, 'README.md')); }, argv: fresh, code: 1, message: /^README\.md: is a symbolic link \(to \/nonexistent\/brokerplate\)/ },
  { name: 'a folder where README.md goes', setup: (c) => mkdirSync(at(c, 'README.md'), { recursive: true }), argv: fresh, code: 1, message: /^README\.md: is a folder where brokerplate writes a file: move it away$/ },
  { name: 'a file where infra/ goes', setup: (c) => { mkdirSync(c.dest); writeFileSync(at(c, 'infra'), 'x'); }, argv: fresh, code: 1, message: /^infra: is a file, but infra\/[\w./]+ needs it to be a folder: move it away$/ },
  { name: 'a named pipe where compose.yaml goes (a reader would block)', setup: (c) => { mkdirSync(c.dest); mkfifo(at(c, 'compose.yaml')); }, argv: fresh, code: 1, message: /^compose\.yaml: is a named pipe where brokerplate writes a file/ },
  { name: '.env is a folder', setup: (c) => { project(c); rmSync(at(c, '.env')); mkdirSync(at(c, '.env')); }, argv: dest, code: 1, message: /^\.env: is a folder where brokerplate writes a file/ },
  { name: 'brokerplate.yaml is a folder', setup: (c) => { mkdirSync(at(c, 'brokerplate.yaml'), { recursive: true }); }, argv: fresh, code: 1, message: /^brokerplate\.yaml: is a folder where brokerplate writes a file/ },

  // The manifest is untrusted input: nothing is deleted outside the project
  { name: 'manifest entry ../outside.txt (its hash matches)', setup: (c) => { project(c); manifestWith(c, { '../outside.txt': outsideFile(c) }); }, argv: dest, code: 1, message: /^\.brokerplate\/files\.json: entry "\.\.\/outside\.txt": climbs out with "\.\."; only paths inside the project are allowed; refusing to delete anything$/ },
  { name: 'manifest entry /etc/x', setup: (c) => { project(c); manifestWith(c, { '/etc/x': contentHash('x') }); }, argv: dest, code: 1, message: /^\.brokerplate\/files\.json: entry "\/etc\/x": is an absolute path/ },
  { name: 'manifest entry: the absolute path of a real file outside', setup: (c) => { project(c); manifestWith(c, { [join(c.root, 'outside.txt')]: outsideFile(c) }); }, argv: dest, code: 1, message: /entry ".*\/outside\.txt": is an absolute path/ },
  { name: 'manifest entry a/../../outside.txt', setup: (c) => { project(c); manifestWith(c, { 'a/../../outside.txt': outsideFile(c) }); }, argv: dest, code: 1, message: /entry "a\/\.\.\/\.\.\/outside\.txt": climbs out with "\.\."/ },
  { name: 'manifest entry .git/config', setup: (c) => { project(c); mkdirSync(at(c, '.git')); writeFileSync(at(c, '.git/config'), 'x'); manifestWith(c, { '.git/config': contentHash('x') }); }, argv: dest, code: 1, message: /entry "\.git\/config": is inside \.git\/, which brokerplate never touches/ },
  { name: 'manifest entry through a link to a folder outside', setup: (c) => { project(c); mkdirSync(join(c.root, 'elsewhere')); writeFileSync(join(c.root, 'elsewhere', 'secret.txt'), 's'); symlinkSync(join(c.root, 'elsewhere'), at(c, 'link')); manifestWith(c, { 'link/secret.txt': contentHash('s') }); }, argv: dest, code: 1, message: /^link: is a symbolic link \(to .*\/elsewhere\).*\(needed for link\/secret\.txt\)/ },
  { name: 'manifest entry with a backslash', setup: (c) => { project(c); manifestWith(c, { '..\\outside.txt': contentHash('x') }); }, argv: dest, code: 1, message: /entry "\.\.\\\\outside\.txt": contains a backslash/ },
  { name: 'manifest entry with a control character', setup: (c) => { project(c); manifestWith(c, { 'a\u001bb': contentHash('x') }); }, argv: dest, code: 1, message: /entry "a\\u001bb": contains a control character/ },
  { name: 'manifest entry that is now a folder', setup: (c) => { project(c); manifestWith(c, { src: contentHash('x') }); }, argv: dest, code: 1, message: /^src: listed in \.brokerplate\/files\.json but is now a folder/ },
  { name: 'manifest that is not JSON', setup: (c) => { project(c); writeFileSync(at(c, MANIFEST_FILE), '{"files": '); }, argv: dest, code: 1, message: /^\.brokerplate\/files\.json: is not valid JSON .*; restore it from version control, or delete it/ },
  { name: 'manifest whose files is a list', setup: (c) => { project(c); writeFileSync(at(c, MANIFEST_FILE), '{"files": []}'); }, argv: dest, code: 1, message: /^\.brokerplate\/files\.json: has no "files" object/ },
  { name: 'manifest with a bad hash', setup: (c) => { project(c); manifestWith(c, { 'README.md': 'md5-1234' }); }, argv: dest, code: 1, message: /entry "README\.md": its hash is not "sha256-" and 64 hex digits/ },

  // Conflicts: all listed, nothing written, no question without a terminal
  { name: 'an edited file, no terminal', setup: (c) => { project(c); handEdit(c); }, argv: dest, code: 1, message: /^1 file changed by hand: README\.md \(edited by hand since brokerplate generated it\): nothing was written; pass --force to overwrite them, or run in a terminal to decide file by file$/ },
  { name: 'two edited files', setup: (c) => { project(c); handEdit(c); handEdit(c, 'compose.yaml'); }, argv: dest, code: 1, message: /^2 files changed by hand: README\.md \(edited by hand since brokerplate generated it\), compose\.yaml \(edited by hand since brokerplate generated it\): nothing was written/ },
  { name: 'an edited file the spec no longer produces', setup: (c) => { project(c); handEdit(c, 'src/examples/quoteRequests.ts'); renameChannel(c); }, argv: dest, code: 1, message: /^1 file changed by hand: src\/examples\/quoteRequests\.ts \(edited by hand, and no longer generated\)/ },
  { name: 'a file brokerplate did not write, in a fresh folder', setup: (c) => { mkdirSync(c.dest); writeFileSync(at(c, 'README.md'), 'mine'); }, argv: fresh, code: 1, message: /^1 file changed by hand: README\.md \(exists, and brokerplate did not write it\)/ },
  { name: 'an edited file, --yes', setup: (c) => { project(c); handEdit(c); }, argv: (c) => [c.dest, '--yes'], code: 1, message: /^1 file changed by hand: README\.md/ },
  { name: 'an edited file, stdin an open pipe (CI)', runner: 'pipe', setup: (c) => { project(c); handEdit(c); }, argv: dest, code: 1, message: /^1 file changed by hand: README\.md/ },
  { name: 'an edited file, --interactive without a terminal', setup: (c) => { project(c); handEdit(c); }, argv: (c) => [c.dest, '--interactive'], code: 1, message: /^no terminal to answer: README\.md: edited by hand since brokerplate generated it\. Overwrite it\?: re-run with the matching flag$/ },
  { name: 'an edited file, --dry-run (the plan shows the conflict, exit 0)', stream: 'stdout', setup: (c) => { project(c); handEdit(c); }, argv: (c) => [c.dest, '--dry-run'], code: 0, message: /^ {2}conflict +README\.md {2}\(edited by hand since brokerplate generated it\)$/ },
  { name: 'a spec change, --dry-run (lists the deletion and the creation)', stream: 'stdout', setup: (c) => { project(c); renameChannel(c); }, argv: (c) => [c.dest, '--dry-run'], code: 0, message: /^ {2}delete +src\/examples\/quoteRequests\.ts {2}\(no longer generated\)$/ },

  // .env
  { name: '.env: a secret compose and the clients would read differently', setup: (c) => { project(c); edit(c, '.env', (t) => t.replace(/^RABBITMQ_PASSWORD=.*$/m, 'RABBITMQ_PASSWORD=abc$def #x')); }, argv: dest, code: 1, message: /^\.env \(line \d+\): RABBITMQ_PASSWORD: docker compose and Node's loadEnvFile \(the clients\) would read this value differently .*: put it in single quotes$/ },
  { name: '.env: an unterminated quote', setup: (c) => { project(c); edit(c, '.env', (t) => t.replace(/^RABBITMQ_PASSWORD=.*$/m, "RABBITMQ_PASSWORD='abc")); }, argv: dest, code: 1, message: /^\.env \(line \d+\): the value of RABBITMQ_PASSWORD has no closing '$/ },
  { name: '.env: a line that is not an assignment', setup: (c) => { project(c); edit(c, '.env', (t) => `${t}not a key=1\n`); }, argv: dest, code: 1, message: /^\.env \(line \d+\): "not a key" is not a variable name/ },
  { name: '.env the user cannot read', runner: 'user', setup: (c) => { project(c); chmodSync(at(c, '.env'), 0o000); }, argv: dest, code: 1, message: /^\.env: cannot read it: permission denied \(EACCES\)$/ },

  // Terminals, Ctrl-C, no terminal
  { name: 'Ctrl-C at the scenario prompt', runner: 'tty', keys: [['Which scenario fits your use?', '\u0003']], argv: (c) => [c.dest], code: 130, message: /^interrupted: Ctrl-C at a prompt; nothing was written$/ },
  { name: 'Ctrl-C at a conflict prompt', runner: 'tty', keys: [['README.md: edited by hand', '\u0003']], setup: (c) => { project(c); handEdit(c); handEdit(c, 'compose.yaml'); }, argv: dest, code: 130, message: /^interrupted: Ctrl-C at a prompt; nothing was written$/ },
  { name: 'Ctrl-C at the second conflict prompt, after answering the first', runner: 'tty', keys: [['README.md: edited by hand', 'y\r'], ['compose.yaml: edited by hand', '\u0003']], setup: (c) => { project(c); handEdit(c); handEdit(c, 'compose.yaml'); }, argv: dest, code: 130, message: /^interrupted: Ctrl-C at a prompt; nothing was written$/ },
  { name: 'a missing answer, stdin an open pipe', runner: 'pipe', argv: (c) => [c.dest], code: 1, message: /^missing answer: pass --scenario </ },
  { name: 'a missing answer, --no-interactive', argv: (c) => [c.dest, '--no-interactive'], code: 1, message: /^missing answer: pass --scenario </ },
  { name: '--interactive without a terminal', argv: (c) => [c.dest, '--interactive'], code: 1, message: /^no terminal to answer: Which scenario fits your use\?: re-run with the matching flag$/ },

  // Usage
  { name: 'two destinations', argv: (c) => [c.dest, `${c.dest}2`], code: 2, message: /\/proj \/.*\/proj2: expected at most one destination folder$/ },
  { name: 'an unknown flag', argv: (c) => [c.dest, '--bogus'], code: 2, message: /Unknown option '--bogus'.*\(brokerplate --help lists the options\)$/ },
  { name: '--scenario on an existing project', setup: project, argv: (c) => [c.dest, '--scenario', 'hybrid'], code: 1, message: /^--scenario: .*\/proj\/brokerplate\.yaml already exists; edit it instead/ },
];

interface Outcome {
  result: RunResult;
  before: Tree;
  after: Tree;
}

function scratch(): Ctx {
  const root = tempDir('brokerplate-corpus-');
  return { root, dest: join(root, 'proj') };
}

function chownTree(path: string): void {
  for (const [rel, what] of Object.entries(hashTree(path))) {
    const full = rel === '.' ? path : join(path, rel);
    if (!what.startsWith('link ')) chownSync(full, USER, USER);
  }
}

async function run(row: Row): Promise<Outcome> {
  const c = scratch();
  row.setup?.(c);
  const runner = row.runner ?? 'bin';
  if (runner === 'mount') return runInMountNamespace(row, c);
  if (runner === 'user' && IS_ROOT) chownTree(c.root);
  const before = hashTree(c.root);
  let result: RunResult;
  if (runner === 'tty') {
    result = await runCommand('python3', [join(ROOT, 'test/support/terminal.py'), JSON.stringify(row.keys ?? []), process.execPath, BIN, ...row.argv(c)], { timeoutMs: 60_000 });
  } else {
    const asUser = runner === 'user' && IS_ROOT ? { uid: USER, gid: USER, env: { HOME: c.root } } : {};
    result = await runBin(row.argv(c), { openStdin: runner === 'pipe', timeoutMs: 30_000, ...asUser });
  }
  return { result, before, after: hashTree(c.root) };
}

/** Runs the row inside `unshare -m` (its mounts vanish with it), hashing the tree there. */
async function runInMountNamespace(row: Row, c: Ctx): Promise<Outcome> {
  const side = tempDir('brokerplate-corpus-side-');
  const tree = join(ROOT, 'test', 'support', 'tree.ts');
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  mkdirSync(c.dest, { recursive: true });
  const script = [
    'set -e',
    `DEST=${q(c.dest)}; ROOT=${q(c.root)}; BASE=${q(RPC)}`,
    ...(row.mount ?? []),
    `${q(process.execPath)} ${q(tree)} "$ROOT" > ${q(join(side, 'before.json'))}`,
    'set +e',
    `${q(process.execPath)} ${q(BIN)} ${row.argv(c).map(q).join(' ')} > ${q(join(side, 'stdout'))} 2> ${q(join(side, 'stderr'))} < /dev/null`,
    `echo $? > ${q(join(side, 'code'))}`,
    `${q(process.execPath)} ${q(tree)} "$ROOT" > ${q(join(side, 'after.json'))}`,
  ].join('\n');
  const ns = await runCommand('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { timeoutMs: 60_000 });
  const read = (name: string) => readFileSync(join(side, name), 'utf8');
  if (ns.code !== 0) throw new Error(`the mount namespace failed (${ns.code}): ${ns.output}`);
  const stdout = read('stdout');
  const stderr = read('stderr');
  const result: RunResult = { code: Number(read('code')), stdout, stderr, output: stdout + stderr, timedOut: ns.timedOut };
  return { result, before: JSON.parse(read('before.json')) as Tree, after: JSON.parse(read('after.json')) as Tree };
}

beforeAll(async () => {
  const r = await runBin([RPC, '--scenario', 'rpc', '--yes']);
  if (r.code !== 0) throw new Error(`generating the base project failed: ${r.stderr}`);
}, 60_000);

describe('the bad-input corpus: exit code, one line naming the file or field and the rule, the tree untouched', () => {
  it.concurrent.for(ROWS)('$name', async (row, { skip }) => {
    // A private mount namespace needs root (CI runs as root); elsewhere these rows show as skipped.
    if (row.runner === 'mount' && !IS_ROOT) skip();
    const { result, before, after } = await run(row);
    const shown = `exit ${result.code}\n${result.output}`;
    expect(result.timedOut, shown).toBe(false);
    expect(result.code, shown).toBe(row.code);
    expect(result.output, shown).not.toMatch(/An error occured|^\s+at .*:\d+:\d+\)?$|ExitPromptError|internal error/m);
    if (row.stream === 'stdout') {
      expect(result.stderr, shown).toBe('');
      expect(result.stdout.split(/\r?\n/).some((l) => row.message.test(l)), shown).toBe(true);
    } else if (row.runner === 'tty') {
      // The terminal shows the prompts too; the error is the last line.
      const last = result.output.trimEnd().split(/\r?\n/).at(-1) ?? '';
      expect(last.replace(/^.*brokerplate: error: /, 'brokerplate: error: '), shown).toMatch(new RegExp(`^brokerplate: error: ${row.message.source.replace(/^\^/, '')}`));
    } else {
      const lines = result.stderr.split('\n').filter((l) => l !== '');
      expect(lines, shown).toHaveLength(1);
      expect(lines[0], shown).toMatch(/^brokerplate: error: /);
      expect(lines[0]?.slice('brokerplate: error: '.length), shown).toMatch(row.message);
    }
    expect(after, 'the tree changed').toEqual(before);
  });
});

describe('the corpus itself', () => {
  it('has a row for every kind of bad input this half covers, and counts them', () => {
    const byCode = ROWS.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.code]: (acc[r.code] ?? 0) + 1 }), {});
    console.info(`corpus: ${ROWS.length} rows; exit codes ${JSON.stringify(byCode)}`);
    expect(ROWS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
  });
});
