import * as assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';
import { extensionId, modulesAfterActivation } from '../activation';

// The packages that must wait until something needs them (a command, a renewal that falls due, a tree
// expansion, the first usage event): the Azure SDK and MSAL, dockerode and what only it uses, and the
// usage-data reporter with its Application Insights SDK.
const lazyPackage = /^(@azure|@azure-rest|@typespec|@grpc|@microsoft)\/|^(dockerode|docker-modem|ssh2|protobufjs|@vscode\/extension-telemetry)\//;

// The extension's own modules that wait for their first use: the token, access-token and admin-user commands
// with what only they use, sign-in (its picker, a person's sign-in, the @azure/identity sources), Log In Docker
// with its picker, Renew Now, the registry actions, pulling images, the deletes with their permission checks,
// the tree's tokens and scope maps, and the diagnosis.
const onFirstUse = [
  'src/commands/createAccessToken.ts',
  'src/acr/accessTokenGuide.ts',
  'src/acr/accessTokenScopes.ts',
  'src/commands/copyAccessToken.ts',
  'src/commands/createToken.ts',
  'src/commands/generateTokenPassword.ts',
  'src/commands/setTokenEnabled.ts',
  'src/commands/deleteToken.ts',
  'src/commands/editScopeMap.ts',
  'src/commands/tokenForms.ts',
  'src/commands/tokenPasswordPanel.ts',
  'src/credentials/freshPassword.ts',
  'src/credentials/outputs.ts',
  'src/commands/useAdminCredentials.ts',
  'src/commands/regenerateAdminPassword.ts',
  'src/commands/enableAdminUser.ts',
  'src/azure/adminUser.ts',
  'src/commands/pickSignInSource.ts',
  'src/commands/pullImage.ts',
  'src/docker/pull.ts',
  'src/docker/pullProgress.ts',
  'src/commands/diagnoseAccess.ts',
  'src/diagnosis/diagnose.ts',
  'src/diagnosis/diagnosis.ts',
  'src/diagnosis/registryChecks.ts',
  'src/diagnosis/dockerChecks.ts',
  'src/diagnosis/report.ts',
  'src/commands/untag.ts',
  'src/commands/deleteImage.ts',
  'src/commands/deleteRepository.ts',
  'src/commands/permissionChecks.ts',
  'src/azure/permissions.ts',
  'src/commands/signIn.ts',
  'src/commands/personSignIn.ts',
  'src/commands/logInDocker.ts',
  'src/commands/pickRegistries.ts',
  'src/commands/renewNow.ts',
  'src/commands/showRegistryActions.ts',
  'src/azure/tokens.ts',
  'src/azure/tokenRules.ts',
  'src/auth/identitySources.ts',
  'src/auth/userSignIn.ts',
];

describe('Lazy loading', () => {
  it('activation loads none of @azure/*, MSAL, dockerode or the telemetry reporter while nothing needs them', () => {
    const extensionPath = vscode.extensions.getExtension(extensionId)!.extensionPath;
    const loaded = modulesAfterActivation();
    const bundle = join(extensionPath, 'dist', 'extension.js');
    assert.ok(loaded.includes(bundle), `the host did not load ${bundle} through require(); it loaded:\n${loaded.join('\n')}`);

    // Bundles of their own (dist/lazy/*.js), or the packages themselves from node_modules.
    const lazyBundles = join(extensionPath, 'dist', 'lazy') + sep;
    const nodeModules = [join(extensionPath, 'node_modules'), realpathSync(join(extensionPath, 'node_modules'))].map((dir) => dir + sep);
    const packageOf = (file: string) => nodeModules.filter((dir) => file.startsWith(dir)).map((dir) => file.slice(dir.length).split(sep).join('/'))[0];
    const early = loaded.filter((file) => file.startsWith(lazyBundles) || lazyPackage.test(packageOf(file) ?? ''));
    assert.deepEqual(early, [], 'loaded at activation');

    // Or bundled into what activation loads: a development build names each module's source in a comment.
    for (const file of loaded.filter((file) => file.startsWith(extensionPath + sep))) {
      const sources = [...readFileSync(file, 'utf8').matchAll(/^\/\/ (?:\S*\/)?node_modules\/(\S+)$/gm)].map((match) => match[1]);
      assert.deepEqual(sources.filter((source) => lazyPackage.test(source)), [], `bundled into ${file}`);
    }
  });

  it('activation loads none of the commands that load on first use (dist/lazy/commands.js), nor bundles them into what it loads', () => {
    const extensionPath = vscode.extensions.getExtension(extensionId)!.extensionPath;
    const loaded = modulesAfterActivation();
    const commandsBundle = join(extensionPath, 'dist', 'lazy', 'commands.js');
    assert.ok(!loaded.includes(commandsBundle), `${commandsBundle} was loaded at activation`);

    // A development build names each module's source in a comment.
    const sourcesIn = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\/\/ (src\/\S+\.ts)$/gm)].map((match) => match[1]);
    const inCommandsBundle = new Set(sourcesIn(commandsBundle));
    assert.deepEqual(onFirstUse.filter((source) => !inCommandsBundle.has(source)), [], `not in ${commandsBundle}`);
    for (const file of loaded.filter((file) => file.startsWith(extensionPath + sep))) {
      assert.deepEqual(sourcesIn(file).filter((source) => onFirstUse.includes(source)), [], `bundled into ${file}`);
    }
  });
});
