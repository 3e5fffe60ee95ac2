// Programs of the Debian 13 root (RabbitMQ 4, Redis 8: the majors the images pin) run on this machine
// with chroot. Each run gets a private mount namespace (unshare), so what it mounts into the root goes
// away with the process however it ends, and several runs share one root without touching each other:
//   /proc           a fresh proc (RabbitMQ reads it)
//   /dev            the machine's devices
//   /etc/hosts      the machine's (inside `ip netns exec`, the namespace's own hosts file)
//   binds           host folders at the same path (configs, data, logs), so paths mean the same inside and out
// The working directory is kept when it is visible inside the root. Needs root (mount, chroot).
// Plain ESM, no dependencies (Node 20 and 24).
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

const SCRIPT = [
  'R=$1; n=$2; cwd=$3; shift 3',
  'mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev" && mount --bind /etc/hosts "$R/etc/hosts" || exit 111',
  'while [ "$n" -gt 0 ]; do',
  '  d=$1; shift; n=$((n - 1))',
  '  [ -d "$R$d" ] || mkdir -p "$R$d" || exit 111',
  '  mount --bind "$d" "$R$d" || exit 111',
  'done',
  'exec chroot "$R" /bin/sh -c \'cd "$0" 2>/dev/null || cd /; exec "$@"\' "$cwd" "$@"',
].join('\n');

/** Host folders every run sees at the same path: the temp folder (tests' scratch dirs). */
const DEFAULT_BINDS = [tmpdir()];

/**
 * The command line that runs `argv` inside `root`: `{ command, args }` for spawn. `binds` are host
 * folders (created if missing) to show at the same path inside; the temp folder always is.
 */
export function inRoot(root, argv, { binds = [], cwd = process.cwd() } = {}) {
  if (!argv.length) throw new Error('inRoot: no command');
  if (process.getuid?.() !== 0) throw new Error(`needs root: ${argv[0]} runs in the Debian 13 root with chroot in a private mount namespace (run as root)`);
  const dirs = [...new Set([...DEFAULT_BINDS, ...binds].map((d) => resolve(d)))]
    // a folder inside another bound one is already visible
    .filter((d, _, all) => !all.some((o) => o !== d && d.startsWith(`${o}/`)));
  for (const d of dirs) fs.mkdirSync(d, { recursive: true });
  return { command: 'unshare', args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', SCRIPT, 'in-root', resolve(root), String(dirs.length), cwd, ...dirs, ...argv] };
}

/** The same as a shell command line (for wrapper scripts); `"$@"` is appended by the caller. */
export function inRootShell(root, argv, options) {
  const { command, args } = inRoot(root, argv, options);
  return [command, ...args].map(shellQuote).join(' ');
}

export function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${String(word).replaceAll("'", "'\\''")}'`;
}
