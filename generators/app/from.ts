/**
 * `--from <document>`: the stack spec from an AsyncAPI document instead of a scenario
 * (generators/import/). Reads the file (untrusted: size, UTF-8), applies --profile, --targets and
 * --name, and turns a refusal into one line naming the file, the document path and the reason.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MappingError } from '../emit/asyncapi-model.ts';
import { importAsyncApi, type Imported } from '../import/asyncapi.ts';
import { MAX_SPEC_BYTES, type Profile, type Target } from '../stack/index.ts';
import { BrokerplateError, EXIT_USAGE } from './errors.ts';
import { FLOWCHART_FLAGS, nameSetting, profileSetting, targetsSetting } from './settings.ts';

export const FROM_FLAG = {
  flag: 'from',
  valueHint: 'asyncapi.yaml|json',
  description: 'Create the spec from an AsyncAPI 3.x (or 2.6) document instead of a scenario: brokers from its servers, channels and message types from its channels (what cannot be mapped is refused)',
} as const;

/** Flags that choose the brokers or channels themselves, so the document would not be the source. */
export const NOT_WITH_FROM = ['scenario', 'scale', 'brokers'] as const;

export interface FromContext {
  readonly cwd: string;
  readonly destination: string;
  /** A flag's value as the generator has it. */
  readonly option: (name: string) => unknown;
}

/** --profile, --targets and --name (checked as usual); a flag that would choose brokers or channels is a usage error. */
function flags(ctx: FromContext): { profile?: Profile; targets?: Target[]; name?: string; fallbackName: string } {
  const clash = [...NOT_WITH_FROM, ...FLOWCHART_FLAGS.map((f) => f.flag)].find((f) => ctx.option(f) !== undefined);
  if (clash) throw new BrokerplateError(`--${FROM_FLAG.flag} and --${clash}: the document decides the brokers and channels; leave --${clash} out`, EXIT_USAGE);
  const raw = (flag: string) => (typeof ctx.option(flag) === 'string' ? String(ctx.option(flag)) : undefined);
  const profile = raw('profile');
  const targets = raw('targets');
  const name = raw('name');
  return {
    ...(profile !== undefined && { profile: profileSetting.parse(profile, {}) }),
    ...(targets !== undefined && { targets: targetsSetting.parse(targets, {}) }),
    ...(name !== undefined && { name: nameSetting.parse(name, {}) }),
    fallbackName: nameSetting.defaultValue({}, ctx.destination) ?? 'messaging',
  };
}

export function specFromDocument(file: string, ctx: FromContext): Imported {
  const options = flags(ctx);
  const at = resolve(ctx.cwd, file);
  const fail = (why: string) => new BrokerplateError(`--${FROM_FLAG.flag} ${file}: ${why}`);
  let bytes: Buffer;
  try {
    const size = statSync(at).size;
    if (size > MAX_SPEC_BYTES) throw fail(`is ${size} bytes; at most ${MAX_SPEC_BYTES} bytes (1 MiB) are read`);
    bytes = readFileSync(at);
  } catch (error) {
    if (error instanceof BrokerplateError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new BrokerplateError(`--${FROM_FLAG.flag} ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (code ?? String(error))})`, code === 'ENOENT' || code === 'EISDIR' ? EXIT_USAGE : undefined);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('is not UTF-8 text');
  }
  try {
    // Without --name, the document's title names the project, else the folder (as under --yes).
    return importAsyncApi(text, options);
  } catch (error) {
    if (error instanceof MappingError) throw fail(error.message);
    throw error;
  }
}
