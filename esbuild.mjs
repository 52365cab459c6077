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

// The heavy packages are not in dist/extension.js, which every window start loads. Each group below is a
// bundle of its own in dist/lazy/, and an import of one of its packages from anywhere else (src/, or another
// lazy bundle) becomes a require() of that bundle, run where the import runs. src/ imports them with
// `await import(...)`, so they load on first use: a command, a renewal that falls due, a tree expansion.
// A static value import of one of them in src/ would load its bundle at activation, which the host test
// `lazyLoading.test.ts` catches. See docs/architecture.md, "What loads when".
const lazyBundles = {
  // What @azure/identity and the ARM clients share, so that using both loads it once.
  'azure-core': ['@azure/abort-controller', '@azure/core-auth', '@azure/core-client', '@azure/core-rest-pipeline', '@azure/core-tracing', '@azure/core-util', '@azure/logger', '@typespec/ts-http-runtime'],
  'azure-identity': ['@azure/identity'],
  'msal-node': ['@azure/msal-node'],
  'azure-arm': ['@azure/arm-containerregistry', '@azure/arm-resources-subscriptions'],
  dockerode: ['dockerode'],
  // The usage-data reporter and its Application Insights SDK: loaded by the first event (src/telemetry.ts).
  'vscode-telemetry': ['@vscode/extension-telemetry'],
  // docker-modem's SSH agent and ssh2: only a connection to an ssh:// engine calls it (see dockerodeTrimmed).
  'docker-ssh': ['docker-modem/lib/ssh'],
};
const bundleOf = new Map(Object.entries(lazyBundles).flatMap(([bundle, packages]) => packages.map((name) => [name, bundle])));
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Imports of another bundle's packages become `require('<dir>/<bundle>.js')[<package>]`, kept out of this file. */
function lazyPackages(ownBundle) {
  const dir = ownBundle === undefined ? './lazy/' : './';
  return {
    name: 'lazy-packages',
    setup(build) {
      const filter = new RegExp(`^(${[...bundleOf.keys()].map(escaped).join('|')})$`);
      build.onResolve({ filter }, ({ path }) => (bundleOf.get(path) === ownBundle ? undefined : { path, namespace: 'lazy-package' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, ({ path }) => ({
        contents: `module.exports = require(${JSON.stringify(`${dir}${bundleOf.get(path)}.js`)})[${JSON.stringify(path)}];`,
        loader: 'js',
      }));
      build.onResolve({ filter: /\.js$/, namespace: 'lazy-package' }, ({ path }) => ({ path, external: true }));
    },
  };
}

/**
 * dockerode as the extension uses it (engine checks and pulls): docker-modem's SSH agent, with ssh2, becomes
 * the `docker-ssh` bundle, required by the agent's first call; BuildKit (gRPC and protobufjs, for image builds
 * with `version: "2"` and `docker.followProgress`, which the extension never uses) is left out.
 */
const dockerodeTrimmed = {
  name: 'dockerode-trimmed',
  setup(build) {
    build.onResolve({ filter: /^\.\/ssh$/ }, ({ importer }) => (/[\\/]docker-modem[\\/]lib[\\/]modem\.js$/.test(importer) ? { path: 'ssh', namespace: 'docker-ssh' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'docker-ssh' }, () => ({
      contents: `module.exports = function sshAgent(options) { return require('./docker-ssh.js')['docker-modem/lib/ssh'].default(options); };`,
      loader: 'js',
    }));
    build.onResolve({ filter: /\.js$/, namespace: 'docker-ssh' }, ({ path }) => ({ path, external: true }));

    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, ({ path, importer }) =>
      /[\\/]dockerode[\\/]lib[\\/]docker\.js$/.test(importer) ? { path, namespace: 'no-buildkit' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-buildkit' }, ({ path }) => ({
      contents: [
        `const unavailable = new Error('BuildKit is not included in the ACR Access extension\\'s copy of dockerode');`,
        path === './session'
          ? 'module.exports = function withSession(docker, auth, handler) { handler(unavailable); };'
          : 'module.exports = { followProgress() { throw unavailable; } };',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * A lazy bundle exports each of its modules by name. Importing them as ES modules picks the packages' ESM
 * builds, as the single bundle did (smaller, and what the other tiers test); each is marked `__esModule`, so
 * that a CommonJS package's default export stays its `module.exports` for the importer.
 */
function lazyEntry(modules) {
  return [
    "const asModule = (namespace) => Object.defineProperty({ ...namespace }, '__esModule', { value: true });",
    ...modules.flatMap((name, index) => [
      `import * as imported${index} from ${JSON.stringify(name)};`,
      `const module${index} = asModule(imported${index});`,
      `export { module${index} as ${JSON.stringify(name)} };`,
    ]),
  ].join('\n');
}

const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    minify: production,
    sourcemap: !production,
    plugins: [lazyPackages(undefined)],
  },
  ...Object.entries(lazyBundles).map(([bundle, modules]) => ({
    ...common,
    stdin: { contents: lazyEntry(modules), resolveDir: process.cwd(), sourcefile: `lazy/${bundle}.js` },
    outfile: `dist/lazy/${bundle}.js`,
    minify: production,
    sourcemap: !production,
    plugins: [lazyPackages(bundle), dockerodeTrimmed],
  })),
];

rmSync('dist/lazy', { recursive: true, force: true });
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
    entryPoints: ['test/host/installed/index.ts'],
    outdir: 'out/host/installed',
    external: ['vscode', 'cpu-features', '*.node'],
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
