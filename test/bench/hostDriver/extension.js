// A test-world extension the activation benchmark (test/bench/activation.ts) loads beside ACR Access in the
// same extension host. It activates at startup ("*"), before ACR Access (onStartupFinished), so that it can time
// what the host does to activate ACR Access: its require() of dist/extension.js, and its call of activate()
// with the real extension context. It writes what it finds to $ACR_BENCH_RESULTS/<name>.json:
//   activation.json   once ACR Access is active: those two times, and which of its lazy bundles (dist/lazy)
//                     this extension host had loaded by then
//   logInDocker.json  after the command "ACR Bench: Log In Docker to the Bench Registries", which logs Docker
//                     in to the registries in $ACR_BENCH_LOGIN_SERVERS (a JSON list) through ACR Access
const vscode = require('vscode');
const Module = require('node:module');
const { writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const { join, sep } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const acrAccess = 'acraccess.acr-access';

function report(name, result) {
  writeFileSync(join(process.env.ACR_BENCH_RESULTS, `${name}.json`), JSON.stringify(result));
}

const timings = {};

/** Times the host's require() of ACR Access's main module, and each activate() call on what it returns. */
function timeActivation() {
  const main = join(vscode.extensions.getExtension(acrAccess).extensionPath, 'dist', 'extension.js');
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request !== main) return load.call(this, request, ...rest);
    Module._load = load;
    const start = performance.now();
    const loaded = load.call(this, request, ...rest);
    timings.loadMs = performance.now() - start;
    return {
      ...loaded,
      activate(context) {
        const called = performance.now();
        try {
          return loaded.activate(context);
        } finally {
          timings.activateMs = performance.now() - called;
        }
      },
    };
  };
}

async function reportActivation() {
  const extension = vscode.extensions.getExtension(acrAccess);
  const deadline = Date.now() + 120_000;
  while (!extension.isActive && Date.now() < deadline) await sleep(20);
  const lazy = join(extension.extensionPath, 'dist', 'lazy') + sep;
  report('activation', { pid: process.pid, active: extension.isActive, ...timings, lazyBundles: Object.keys(require.cache).filter((file) => file.startsWith(lazy)) });
}

module.exports.activate = (context) => {
  timeActivation();
  context.subscriptions.push(
    vscode.commands.registerCommand('acrBench.logInDocker', async () => {
      try {
        await vscode.commands.executeCommand('acrAccess.logInDocker', JSON.parse(process.env.ACR_BENCH_LOGIN_SERVERS ?? '[]'));
        // The command returns nothing; what ACR Access now keeps renewed is what it logged in.
        const { renewals } = vscode.extensions.getExtension(acrAccess).exports;
        report('logInDocker', { loggedIn: renewals.statuses().map((status) => status.login.loginServer) });
      } catch (error) {
        report('logInDocker', { error: String(error) });
      }
    }),
  );
  void reportActivation();
};
