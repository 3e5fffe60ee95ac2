// Builds what the package ships: the generator for yo, and a bundled `brokerplate` bin.
// The bin is bundled so start-up skips module resolution, and modules it never uses are stubbed.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import Handlebars from 'handlebars';

// Every templates/**/*.hbs precompiled into the bundle (see generators/emit/precompiled.ts).
const precompileTemplates = {
  name: 'precompile-templates',
  setup(b) {
    b.onLoad({ filter: /generators[\\/]emit[\\/]precompiled\.ts$/ }, () => {
      const root = 'templates';
      const entries = readdirSync(root, { recursive: true })
        .filter((f) => f.endsWith('.hbs'))
        .sort()
        .map((f) => `${JSON.stringify(f.slice(0, -'.hbs'.length).split(sep).join('/'))}: ${Handlebars.precompile(readFileSync(join(root, f), 'utf8'), { strict: true, noEscape: true })}`);
      return { contents: `export const PRECOMPILED = {\n${entries.join(',\n')}\n};\n`, loader: 'js', watchDirs: [root] };
    });
  },
};

// Chunk names carry content hashes: start from an empty dist/ so old chunks do not pile up.
rmSync('dist', { recursive: true, force: true });

// The bin refuses a Node outside engines.node with a message (generators/cli/launcher.ts).
const nodeEngines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node;
if (!/^\s*(>=|\^)\s*\d+(\.\d+){0,2}\s*(\|\|\s*(>=|\^)\s*\d+(\.\d+){0,2}\s*)*$/.test(nodeEngines)) throw new Error(`package.json engines.node: expected ">=X.Y.Z" or "^X.Y.Z" alternatives, got ${nodeEngines}`);

const common = { platform: 'node', format: 'esm', target: 'node22', bundle: true, logLevel: 'warning', legalComments: 'none' };

// yo finds generators at dist/generators/<name>/index.js.
await build({ ...common, entryPoints: { 'generators/app/index': 'generators/app/index.ts' }, outdir: 'dist', packages: 'external', plugins: [precompileTemplates] });

// The public entry points (package.json "exports"): generator-brokerplate/testing renders a project in
// memory (generators/testing/index.ts), generator-brokerplate/generator is the class for yeoman-test.
await build({
  ...common,
  entryPoints: { testing: 'generators/testing/index.ts', generator: 'generators/testing/generator.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  packages: 'external',
  plugins: [precompileTemplates],
});

// Their declarations, by tsc (esbuild writes none): dist/types/generators/testing/*.d.ts and what they import.
const tsc = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.types.json failed (exit ${tsc.status})`);

// Modules the bin never uses, replaced by stubs that fail if called:
// - fly-import: yeoman-environment's on-the-fly generator installer (~260 ms to load);
// - @inquirer/external-editor: the "editor" prompt's launcher, which drags in iconv-lite and chardet
//   (~650 KB of encoding tables evaluated at start-up); brokerplate asks no editor question;
// - latest-version: yeoman-generator's addDependencies() asks npm for versions through ky, whose
//   start-up probes touch fetch and load Node's undici; brokerplate pins its versions itself.
const STUBS = {
  'fly-import': 'const refuse = () => { throw new Error("brokerplate does not install generators on the fly"); };\nexport class FlyRepository { install() { refuse(); } }\nexport const flyImport = refuse;',
  '@inquirer/external-editor': 'export const editAsync = () => { throw new Error("brokerplate asks no editor question"); };',
  'latest-version': 'export default () => { throw new Error("brokerplate pins dependency versions itself"); };',
};
const stubUnused = {
  name: 'stub-unused',
  setup(b) {
    b.onResolve({ filter: /^(fly-import|@inquirer\/external-editor|latest-version)$/ }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

// Bundled, yeoman-environment and yeoman-generator would read *our* package.json for their
// version checks; inline their own versions instead.
const inlineOwnPackageJson = {
  name: 'inline-own-package-json',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/](yeoman-environment|yeoman-generator)[\\/]dist[\\/](environment-base|generator)\.js$/ }, (args) => {
      const own = readFileSync(join(dirname(args.path), '..', 'package.json'), 'utf8');
      const version = JSON.stringify(JSON.parse(own).version);
      const contents = readFileSync(args.path, 'utf8')
        .replace("require('../package.json').version", version)
        .replace("JSON.parse(readFileSync(pathJoin(_dirname, '../package.json'), 'utf8'))", `(${own.trim()})`);
      return { contents, loader: 'js' };
    });
  },
};

// @yeoman/conflicter looks for a .yo-resolve file in every ancestor folder of every file written,
// and remembers only the folders where it found one: a miss is stat()ed again for each file (~700
// failed stats for a hybrid stack, ~30 ms). Remember the misses too. The build fails if the code
// it patches changes, rather than silently shipping without the fix.
const rememberYoResolveMisses = {
  name: 'remember-yo-resolve-misses',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]@yeoman[\\/]conflicter[\\/]dist[\\/]yo-resolve\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const miss = /catch \{\s*\/\/ Ignore errors\s*\}\s*return undefined;/;
      if (!miss.test(source)) throw new Error(`${args.path}: the .yo-resolve lookup changed; review the remember-yo-resolve-misses patch`);
      return { contents: source.replace(miss, 'catch {\n        }\n        this.groupedYoResolve.set(folder, null);\n        return undefined;'), loader: 'js' };
    });
  },
};

// mem-fs-editor writes the generated files one at a time; the bin writes up to 16 at once
// (scripts/build/commit-transform.js, same per-file work, fewer idle round trips).
const concurrentCommit = {
  name: 'concurrent-commit',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]mem-fs-editor[\\/]dist[\\/]transform\.js$/ }, (args) => {
      const original = readFileSync(args.path, 'utf8');
      if (!original.includes("import commitFileAsync from './actions/commit-file-async.js'") || !original.includes('export const createCommitTransform')) {
        throw new Error(`${args.path}: mem-fs-editor's commit transform changed; review scripts/build/commit-transform.js`);
      }
      return { contents: readFileSync('scripts/build/commit-transform.js', 'utf8'), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

await build({
  ...common,
  // The bin (dist/brokerplate.mjs) is the launcher: it checks the Node version, then imports the CLI chunk.
  entryPoints: { brokerplate: 'generators/cli/launcher.ts', 'brokerplate-cli': 'generators/cli/brokerplate.ts' },
  define: { __NODE_ENGINES__: JSON.stringify(nodeEngines) },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // --help and usage errors load only the small entry chunk; Yeoman comes in a lazily imported chunk.
  splitting: true,
  // Chunks sit next to the entry: bundled code resolves '../package.json' relative to it.
  chunkNames: '[name]-[hash]',
  plugins: [stubUnused, inlineOwnPackageJson, rememberYoResolveMisses, concurrentCommit, precompileTemplates],
  // Every template is precompiled into the bundle, so only Handlebars' runtime is needed (not its compiler).
  alias: { handlebars: 'handlebars/runtime' },
  minifyWhitespace: true,
  minifySyntax: true,
  // V8's compile cache (Node >= 22.1) skips re-parsing the bundle on later runs. A namespace import:
  // a named one would fail to link on an older Node before the launcher could explain.
  banner: { js: "#!/usr/bin/env node\nimport * as __bpModule from 'node:module'; __bpModule.enableCompileCache?.(); const require = __bpModule.createRequire(import.meta.url);" },
});

// The bin is run by path (npx, npm exec, a shell): it must be executable whoever built it.
chmodSync('dist/brokerplate.mjs', 0o755);
