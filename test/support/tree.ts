/**
 * A byte-exact picture of a folder: every entry (files, folders, links, others) with its mode, each
 * file's SHA-256 and each link's target, so a test can prove a failed run left a tree untouched.
 * Also a script: `node test/support/tree.ts DIR` prints the picture as JSON (used inside a mount
 * namespace, where the test process cannot see the folder).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export type Tree = Record<string, string>;

function digest(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return '(unreadable)';
  }
}

/** Relative path → "file 644 <sha256>" | "dir 755" | "link <target>" | "other <type>"; "(missing)" when `dir` does not exist. */
export function hashTree(dir: string): Tree {
  const out: Tree = {};
  const walk = (rel: string) => {
    const full = rel ? join(dir, rel) : dir;
    let stats;
    try {
      stats = lstatSync(full);
    } catch {
      if (!rel) out['.'] = '(missing)';
      return;
    }
    const mode = (stats.mode & 0o7777).toString(8);
    const key = rel || '.';
    if (stats.isSymbolicLink()) out[key] = `link ${readlinkSync(full)}`;
    else if (stats.isFile()) out[key] = `file ${mode} ${digest(full)}`;
    else if (stats.isDirectory()) {
      out[key] = `dir ${mode}`;
      for (const name of readdirSync(full).sort()) walk(rel ? `${rel}/${name}` : name);
    } else out[key] = `other ${mode}`;
  };
  walk('');
  return out;
}

if (import.meta.main && process.argv[2]) process.stdout.write(JSON.stringify(hashTree(process.argv[2])));
