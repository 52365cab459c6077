// A test-world extension the activation benchmark (test/bench/activation.ts) loads beside ACR Access in the
// same extension host. Its commands, run from the palette, act through ACR Access's own commands and write
// what happened to $ACR_BENCH_RESULTS/<command>.json, where the benchmark reads it:
//   acrBench.logInDocker            logs Docker in to the registries in $ACR_BENCH_LOGIN_SERVERS (a JSON list)
//   acrBench.recordLoadedModules    every module file this extension host has loaded so far
const vscode = require('vscode');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

function report(name, result) {
  writeFileSync(join(process.env.ACR_BENCH_RESULTS, `${name}.json`), JSON.stringify(result));
}

module.exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand('acrBench.logInDocker', async () => {
      try {
        const logins = await vscode.commands.executeCommand('acrAccess.logInDocker', JSON.parse(process.env.ACR_BENCH_LOGIN_SERVERS ?? '[]'));
        report('logInDocker', { loggedIn: (logins ?? []).map((login) => login.loginServer) });
      } catch (error) {
        report('logInDocker', { error: String(error) });
      }
    }),
    vscode.commands.registerCommand('acrBench.recordLoadedModules', () => report('recordLoadedModules', { pid: process.pid, modules: Object.keys(require.cache) })),
  );
};
