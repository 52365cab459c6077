// Bundles the extension (and, for the host test tier, its test suite) with esbuild.
//   node esbuild.mjs               development build with source maps, plus the host test suite and
//                                  the test world's emulated Microsoft sign-in extension
//   node esbuild.mjs --production  minified extension only, no source maps (what `npm run package` ships)
//   node esbuild.mjs --watch       development build, rebuilt on change
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, watch as watchFiles } from 'node:fs';
import { relative, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

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

// The extension's own rarely used commands, with what only they use, are a lazy bundle too, by the same
// mechanism: registerCommands.ts imports each with `await import(...)` when the command first runs.
// Registration (ids, titles, enablement) stays in package.json and dist/extension.js.
// A module listed here that something in dist/extension.js imports statically would load the bundle at
// activation, which `lazyLoading.test.ts` catches.
lazyBundles.commands = [
  'src/commands/createAccessToken.ts',
  'src/commands/copyAccessToken.ts',
  'src/commands/createToken.ts',
  'src/commands/generateTokenPassword.ts',
  'src/commands/setTokenEnabled.ts',
  'src/commands/deleteToken.ts',
  'src/commands/editScopeMap.ts',
  'src/commands/useAdminCredentials.ts',
  'src/commands/regenerateAdminPassword.ts',
  'src/commands/enableAdminUser.ts',
  'src/commands/pickSignInSource.ts',
  'src/commands/pullImage.ts',
  'src/commands/diagnoseAccess.ts',
  'src/commands/untag.ts',
  'src/commands/deleteImage.ts',
  'src/commands/deleteRepository.ts',
  'src/commands/signIn.ts',
  'src/commands/logInDocker.ts',
  'src/commands/renewNow.ts',
  'src/commands/showRegistryActions.ts',
  'src/azure/tokens.ts',
  'src/azure/permissions.ts',
  'src/auth/identitySources.ts',
  'src/auth/userSignIn.ts',
];

const bundleOf = new Map(Object.entries(lazyBundles).flatMap(([bundle, modules]) => modules.map((name) => [name, bundle])));
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** How the bundles name a module: its path from the project root, or from node_modules for a package's file. */
const moduleName = (path) => path.split('\\').join('/').replace(/^.*?(?=node_modules\/)/, '');
const projectPath = (file) => moduleName(relative(process.cwd(), file));

/**
 * Imports of another bundle's packages or own modules become `require('<dir>/<bundle>.js')[<name>]`, kept out
 * of this file. An own module is named by its path from the project root (`src/commands/createToken.ts`).
 */
function lazyPackages(ownBundle) {
  const dir = ownBundle === undefined ? './lazy/' : './';
  const toBundle = (name) => (bundleOf.has(name) && bundleOf.get(name) !== ownBundle ? { path: name, namespace: 'lazy-package' } : undefined);
  return {
    name: 'lazy-packages',
    setup(build) {
      const filter = new RegExp(`^(${[...bundleOf.keys()].map(escaped).join('|')})$`);
      build.onResolve({ filter }, ({ path }) => toBundle(path));
      build.onResolve({ filter: /^\./, namespace: 'file' }, ({ path, resolveDir }) => toBundle(projectPath(resolve(resolveDir, `${path}.ts`))));
      build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, ({ path }) => ({
        contents: `module.exports = require(${JSON.stringify(`${dir}${bundleOf.get(path)}.js`)})[${JSON.stringify(path)}];`,
        loader: 'js',
      }));
      build.onResolve({ filter: /\.js$/, namespace: 'lazy-package' }, ({ path }) => ({ path, external: true }));
    },
  };
}

/**
 * In the `commands` bundle, a module dist/extension.js already holds (src/failures.ts, @vscode/l10n...) is not
 * bundled again but taken from dist/extension.js, which exports it in `lazyShared`: a second copy would have
 * its own state (l10n's configured strings) and its own classes (an AcrError from it would not be one to
 * the code that reports failures). `shared` collects the modules taken, for the main bundle to export.
 */
function fromMainBundle(mainModules, shared) {
  return {
    name: 'from-main-bundle',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async ({ path, kind, resolveDir, importer, namespace, pluginData }) => {
        if (namespace !== 'file' || kind === 'entry-point' || pluginData?.fromMainBundle) return undefined;
        const resolved = await build.resolve(path, { kind, resolveDir, importer, pluginData: { fromMainBundle: true } });
        const name = resolved.external ? undefined : projectPath(resolved.path);
        if (!mainModules.has(name)) return undefined;
        shared.add(name);
        return { path: name, namespace: 'main-module' };
      });
      build.onLoad({ filter: /.*/, namespace: 'main-module' }, ({ path }) => ({
        contents: `module.exports = require('../extension.js').lazyShared[${JSON.stringify(path)}];`,
        loader: 'js',
      }));
      build.onResolve({ filter: /\.js$/, namespace: 'main-module' }, ({ path }) => ({ path, external: true }));
    },
  };
}

/** dist/extension.js's entry: src/extension.ts, and the modules the `commands` bundle takes from it. */
function mainEntry(shared) {
  return [
    "export * from './src/extension';",
    ...[...shared].map((name, index) => `import * as shared${index} from ${JSON.stringify(`./${name}`)};`),
    `export const lazyShared = { ${[...shared].map((name, index) => `${JSON.stringify(name)}: shared${index}`).join(', ')} };`,
  ].join('\n');
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
      `import * as imported${index} from ${JSON.stringify(name.startsWith('src/') ? `./${name}` : name)};`,
      `const module${index} = asModule(imported${index});`,
      `export { module${index} as ${JSON.stringify(name)} };`,
    ]),
  ].join('\n');
}

const extensionBuild = (entry) => ({
  ...common,
  ...entry,
  outfile: 'dist/extension.js',
  minify: production,
  sourcemap: !production,
  plugins: [lazyPackages(undefined)],
});
const lazyBuild = (bundle, plugins) => ({
  ...common,
  stdin: { contents: lazyEntry(lazyBundles[bundle]), resolveDir: process.cwd(), sourcefile: `lazy/${bundle}.js` },
  outfile: `dist/lazy/${bundle}.js`,
  minify: production,
  sourcemap: !production,
  plugins: [lazyPackages(bundle), ...plugins, dockerodeTrimmed],
});

/**
 * dist/extension.js and dist/lazy/: first which modules the main bundle holds, then the lazy bundles (the
 * `commands` one taking those modules from the main bundle), then the main bundle exporting what it lends.
 */
async function buildExtension() {
  const { metafile } = await esbuild.build({ ...extensionBuild({ entryPoints: ['src/extension.ts'] }), write: false, metafile: true });
  const inMainBundle = new Set(Object.keys(metafile.inputs).map(moduleName));
  const shared = new Set();
  await Promise.all(Object.keys(lazyBundles).map((bundle) => esbuild.build(lazyBuild(bundle, bundle === 'commands' ? [fromMainBundle(inMainBundle, shared)] : []))));
  await esbuild.build(extensionBuild({ stdin: { contents: mainEntry(shared), resolveDir: process.cwd(), sourcefile: 'extension-entry.js' } }));
}

/**
 * The prebuilt fs-native-extensions addon, for the platforms where its swap is atomic (the list in
 * src/docker/fileSwap.ts), with its licence: docker config writes trade places with config.json through it.
 */
function copySwapAddons() {
  mkdirSync('dist/native', { recursive: true });
  for (const platform of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']) {
    copyFileSync(`node_modules/fs-native-extensions/prebuilds/${platform}/fs-native-extensions.node`, `dist/native/${platform}.node`);
  }
  copyFileSync('node_modules/fs-native-extensions/LICENSE', 'dist/native/LICENSE');
}

const testBuilds = [];
rmSync('dist/lazy', { recursive: true, force: true });
copySwapAddons();
if (!production) {
  rmSync('out', { recursive: true, force: true });
  const suite = readdirSync('test/host/suite').filter((name) => name.endsWith('.ts'));
  testBuilds.push({
    ...common,
    entryPoints: suite.map((name) => `test/host/suite/${name}`),
    outdir: 'out/host/suite',
    external: ['vscode', 'mocha', 'cpu-features', '*.node'],
    sourcemap: true,
  });
  testBuilds.push({
    ...common,
    entryPoints: ['test/host/installed/index.ts'],
    outdir: 'out/host/installed',
    external: ['vscode', 'cpu-features', '*.node'],
    sourcemap: true,
  });
  testBuilds.push({
    ...common,
    entryPoints: ['test/world/emulatedMicrosoftAuth/extension.ts'],
    outfile: 'out/emulatedMicrosoftAuth/extension.js',
  });
  mkdirSync('out/emulatedMicrosoftAuth', { recursive: true });
  copyFileSync('test/world/emulatedMicrosoftAuth/package.json', 'out/emulatedMicrosoftAuth/package.json');
}

const buildAll = async () => {
  await buildExtension();
  await Promise.all(testBuilds.map((options) => esbuild.build(options)));
};
if (!watch) await buildAll();
else {
  await buildAll().catch(() => undefined);
  // The bundles depend on each other's contents, so a change rebuilds them all (in well under a second).
  let pending;
  const rebuild = () => {
    clearTimeout(pending);
    pending = setTimeout(() => buildAll().catch(() => undefined), 100);
  };
  for (const dir of ['src', 'test/host', 'test/world/emulatedMicrosoftAuth']) watchFiles(dir, { recursive: true }, rebuild);
}
