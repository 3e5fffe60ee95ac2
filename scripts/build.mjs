// Builds what the package ships: the generator for yo, and a bundled `brokerplate` bin.
// The bin is one file so start-up skips module resolution, and fly-import (yeoman-environment's
// on-the-fly generator installer, ~260 ms to load, never used here) is replaced by a stub.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const common = { platform: 'node', format: 'esm', target: 'node22', bundle: true, logLevel: 'warning', legalComments: 'none' };

// yo finds generators at dist/generators/<name>/index.js.
await build({ ...common, entryPoints: { 'generators/app/index': 'generators/app/generator.ts' }, outdir: 'dist', packages: 'external' });

const stubFlyImport = {
  name: 'stub-fly-import',
  setup(b) {
    b.onResolve({ filter: /^fly-import$/ }, () => ({ path: 'fly-import', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'const refuse = () => { throw new Error("brokerplate does not install generators on the fly"); };\nexport class FlyRepository { install() { refuse(); } }\nexport const flyImport = refuse;',
      loader: 'js',
    }));
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

await build({
  ...common,
  entryPoints: { brokerplate: 'generators/cli/brokerplate.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  plugins: [stubFlyImport, inlineOwnPackageJson],
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __bpCreateRequire } from 'node:module'; const require = __bpCreateRequire(import.meta.url);" },
});
