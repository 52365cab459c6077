// Bundles the extension (and, for the host test tier, its test suite) with esbuild.
//   node esbuild.mjs               development build with source maps, plus the host test suite and
//                                  the test world's emulated Microsoft sign-in extension
//   node esbuild.mjs --production  minified extension only, no source maps (what `npm run package` ships)
//   node esbuild.mjs --watch       development build, rebuilt on change
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // ssh2 (under dockerode) tries optional native add-ons and falls back to JavaScript without them.
  external: ['vscode', 'cpu-features', '*.node'],
  logLevel: 'warning',
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    minify: production,
    sourcemap: !production,
  },
];

if (!production) {
  rmSync('out', { recursive: true, force: true });
  const suite = readdirSync('test/host/suite').filter((name) => name.endsWith('.ts'));
  builds.push({
    ...common,
    entryPoints: suite.map((name) => `test/host/suite/${name}`),
    outdir: 'out/host/suite',
    external: ['vscode', 'mocha', 'cpu-features', '*.node'],
    sourcemap: true,
  });
  builds.push({
    ...common,
    entryPoints: ['test/world/emulatedMicrosoftAuth/extension.ts'],
    outfile: 'out/emulatedMicrosoftAuth/extension.js',
  });
  mkdirSync('out/emulatedMicrosoftAuth', { recursive: true });
  copyFileSync('test/world/emulatedMicrosoftAuth/package.json', 'out/emulatedMicrosoftAuth/package.json');
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
