import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AcrAccessExports } from '../../../src/extension';
import type { ErrorNode } from '../../../src/tree/nodes';
import { eventually } from '../../world/eventually';
import { extensionId } from '../activation';
import { runAcrCommand } from '../commands';
import { hostEmulator } from '../emulator';
import { waitForWorkbenchText } from '../workbench';

interface MenuEntry {
  readonly command: string;
  readonly when?: string;
  readonly group?: string;
}

/** A menu's `when` as the Registries view's item menus write it: `view == ...`, `viewItem =~ /.../` and `viewItem == ...`, joined by `&&`. */
function whenHolds(when: string, contextValue: string): boolean {
  return when.split(' && ').every((clause) => {
    if (clause === 'view == acrAccess.registries') return true;
    const pattern = /^viewItem =~ \/(.*)\/$/.exec(clause);
    if (pattern) return new RegExp(pattern[1]).test(contextValue);
    return clause === `viewItem == ${contextValue}`;
  });
}

/** The groups ("inline@3", "1_fix@3") in which the Registries view offers ACR: Diagnose Access on an item with this contextValue. */
function diagnoseGroupsFor(contextValue: string): string[] {
  const { menus } = (vscode.extensions.getExtension(extensionId)!.packageJSON as { contributes: { menus: Record<string, MenuEntry[]> } }).contributes;
  return menus['view/item/context'].filter((entry) => entry.command === 'acrAccess.diagnoseAccess' && whenHolds(entry.when ?? '', contextValue)).map((entry) => entry.group ?? '');
}

/** Whether a document is a diagnosis report of this registry (ACR: Diagnose Access shows each as a rendered preview of its document). */
const isReportOf = (document: vscode.TextDocument, loginServer: string): boolean => document.uri.scheme === 'acr-access-diagnosis' && document.uri.path.startsWith(`/${loginServer}/`);

/** The reports of this registry open now. */
const reportsOf = (loginServer: string): string[] => vscode.workspace.textDocuments.filter((document) => isReportOf(document, loginServer)).map((document) => document.uri.toString());

/** The text of a report of this registry that was not open before. */
function nextReport(loginServer: string, before: readonly string[]): Promise<string> {
  const opened = () => vscode.workspace.textDocuments.find((document) => isReportOf(document, loginServer) && !before.includes(document.uri.toString()));
  return eventually(`a new diagnosis report of ${loginServer}`, () => Promise.resolve(opened()?.getText()), 120_000, 250);
}

/** The first check of a report (failed ones come first), as its Markdown line. */
const firstCheck = (report: string) => report.split('\n').find((line) => line.startsWith('- '));

describe('Diagnose from a failure about a registry: ACR: Diagnose Access for that registry, asking nothing (issue #20)', function () {
  this.timeout(240_000);
  const emulator = hostEmulator();
  const apps = emulator.loginServer('contosoapps');
  const faults: number[] = [];
  let exports: AcrAccessExports;

  /** The registry's network rules refuse this computer on these paths (docs/protocol.md section 2). */
  const refuseByNetworkRules = async (path: string) =>
    faults.push(
      await emulator.client.addFault({
        server: 'registry:contosoapps',
        path,
        mode: 'status',
        status: 403,
        body: { errors: [{ code: 'DENIED', message: "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access." }] },
      }),
    );

  /** contosoapps' node in the Registries view, read afresh. */
  const appsInTheView = async () => {
    exports.registryTree.refresh();
    const registry = (await exports.registryTree.allRegistries()).find((node) => node.loginServer === apps);
    assert.ok(registry, `no registry ${apps} in the view`);
    return registry;
  };

  before(async () => {
    exports = await vscode.extensions.getExtension<AcrAccessExports>(extensionId)!.activate();
  });

  beforeEach(async () => {
    // Whatever ran before: VS Code's account signed in, Docker logged in to contosoapps alone, no notification.
    await vscode.commands.executeCommand('emulatedMicrosoftAuth.signIn');
    await vscode.commands.executeCommand('acrAccess.signOut');
    await runAcrCommand('acrAccess.logInDocker', [apps]);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  afterEach(async () => {
    for (const id of faults.splice(0)) await emulator.client.removeFault(id);
  });

  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('acrAccess.signOut');
  });

  it("the Registries view's error item where a registry's repositories were offers Diagnose (inline and in its menu); it opens that registry's report, the failing check first and the logged failure in check 11", async () => {
    const tree = exports.registryTree;
    const registry = await appsInTheView();
    await refuseByNetworkRules('^/(v2/|acr/v1/_catalog|v2/_catalog)$');
    tree.refresh(registry);
    const error = (await tree.getChildren(registry)).find((node): node is ErrorNode => node.kind === 'error');
    assert.ok(error, `no error item under ${apps}`);
    assert.match(error.advice.message, /network rules/);
    const { contextValue } = tree.getTreeItem(error);
    assert.equal(contextValue, 'error;aboutRegistry');
    assert.deepEqual(diagnoseGroupsFor(contextValue), ['inline@3', '1_fix@3'], 'Diagnose is not offered both inline and in the context menu (for the keyboard)');
    // Failures about no registry do not offer it: a tenant that wants sign-in, the subscriptions, a subscription's registries.
    for (const other of ['error;signIn;tenant', 'error;signIn', 'error']) assert.deepEqual(diagnoseGroupsFor(other), [], other);

    const before = reportsOf(apps);
    await runAcrCommand('acrAccess.diagnoseAccess', error);
    const report = await nextReport(apps, before);
    assert.ok(report.startsWith(`# ACR Access diagnosis of ${apps}\n`), report);
    assert.match(firstCheck(report) ?? '', /^- Failed: \*\*Challenge\*\* /, report);
    assert.match(report, /network rules/);
    // Check 11: the view's failure, as the log wrote it, with its time.
    assert.match(report, new RegExp(`^ {2}- \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z Registries view, .*registry/${apps.replace(/\./g, '\\.')}: acr\\.firewall: `, 'm'), report);
  });

  it("the error item where a repository's tags were diagnoses that repository of the registry", async () => {
    const tree = exports.registryTree;
    const registry = await appsInTheView();
    await refuseByNetworkRules('^/acr/v1/hello/_tags$');
    const hello = tree.openRepository(registry, 'hello');
    tree.refresh(hello);
    const error = (await tree.getChildren(hello)).find((node): node is ErrorNode => node.kind === 'error');
    assert.ok(error, `no error item under ${apps}/hello`);
    assert.deepEqual(diagnoseGroupsFor(tree.getTreeItem(error).contextValue ?? ''), ['inline@3', '1_fix@3']);

    const before = reportsOf(apps);
    await runAcrCommand('acrAccess.diagnoseAccess', error);
    assert.ok((await nextReport(apps, before)).startsWith(`# ACR Access diagnosis of ${apps}/hello\n`));
  });

  it('a renewal refused by the network rules: its notification offers Diagnose, and choosing it opens the report for that registry', async () => {
    await refuseByNetworkRules('^/(v2/|oauth2/exchange)$');
    await runAcrCommand('acrAccess.renewNow', apps);
    await vscode.commands.executeCommand('notifications.showList');
    const [problem] = await waitForWorkbenchText('.notifications-center .notification-list-item:has-text("could not be renewed")', 'Diagnose', 60_000);
    await vscode.commands.executeCommand('notifications.hideList');
    assert.match(problem, /contosoapps could not be renewed/);
    // Only the network administrator can fix it: no Sign In, so Diagnose is the notification's first button.
    assert.doesNotMatch(problem, /Sign In|Open Settings/);

    const before = reportsOf(apps);
    // Its first button, as the keyboard presses it (Ctrl+Shift+A, Accept Notification Primary Action): a host test
    // cannot click, and this is the newest notification.
    await vscode.commands.executeCommand('notification.acceptPrimaryAction');
    const report = await nextReport(apps, before);
    assert.ok(report.startsWith(`# ACR Access diagnosis of ${apps}\n`), report);
    assert.match(firstCheck(report) ?? '', /^- Failed: \*\*Challenge\*\* /, report);
    assert.match(report, /The last renewal failed: /);
  });
});
