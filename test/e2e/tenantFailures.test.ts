import * as assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import type { Fixture, RegistryFixture } from '../emulator/fixture';
import componentFixture from '../emulator/fixtures/component.json';
import { EmulatorWorkbench, expandRow, openEmulatorWorkbench, openRegistriesView, resizeSideBar, runFromPalette, saveScreenshot, screenshotIfFailed } from './workbench';

const northwind = { id: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00003', displayName: 'Northwind', defaultDomain: 'northwind.example', requiresMfa: true };
const northwindShared = { id: '5eb50000-0000-4000-8000-000000000004', displayName: 'Northwind Shared', tenant: northwind.id };
const contosoRestricted = { id: '5eb50000-0000-4000-8000-000000000003', displayName: 'Contoso Restricted', tenant: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00001' };

/**
 * The component fixture, where alice is also a guest of Northwind, whose conditional access asks for MFA, and
 * can see a Contoso subscription whose registries ARM refuses to list (a fault added by the test).
 */
function fixtureWithFailures(): Fixture {
  const fixture = structuredClone(componentFixture) as unknown as Fixture;
  fixture.tenants.push(northwind);
  const alice = fixture.identities.find((identity) => identity.name === 'alice');
  if (!alice) throw new Error('the component fixture has no alice');
  alice.tenants = [...alice.tenants, northwind.id];
  fixture.subscriptions.push(northwindShared, contosoRestricted);
  const registry = (name: string, subscription: string): RegistryFixture => ({
    name,
    subscription,
    resourceGroup: 'apps-rg',
    location: 'westeurope',
    sku: 'Standard',
    adminUserEnabled: false,
    roles: [{ identity: 'alice', role: 'Reader' }],
    repositories: { hello: ['v1'] },
  });
  fixture.registries.push(registry('northwindapps', northwindShared.id), registry('contosorestricted', contosoRestricted.id));
  return fixture;
}

describe('A developer in several tenants, one wanting MFA and one subscription refused, sees everything else', () => {
  let workbench: EmulatorWorkbench;
  let tree: Locator;

  before(async () => {
    workbench = await openEmulatorWorkbench(() => ({}), { fixture: fixtureWithFailures() });
    await workbench.emulator.client.addFault({
      server: 'arm',
      path: `^/subscriptions/${contosoRestricted.id}/providers/Microsoft\\.ContainerRegistry/registries$`,
      mode: 'status',
      status: 403,
    });
  });
  afterEach(screenshotIfFailed(() => workbench?.page));
  after(() => workbench?.close());

  const row = (name: string | RegExp): Locator => tree.getByRole('treeitem', { name, exact: typeof name === 'string' });

  it('the picker lists what loaded and names what did not; the tree shows Northwind with Sign In to..., the refused subscription as one error, the rest loaded', async () => {
    const { page } = workbench;
    const quickInput = page.locator('.quick-input-widget');
    await runFromPalette(page, 'ACR: Sign In');
    await quickInput.locator('.monaco-list-row').filter({ hasText: 'Microsoft account in VS Code' }).click();
    const allow = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
    const apps = quickInput.locator('.monaco-list-row').filter({ hasText: 'contosoapps' });
    await allow.or(apps).first().waitFor({ timeout: 30_000 });
    if (await allow.isVisible()) await allow.click();
    await apps.waitFor({ timeout: 30_000 });
    const notListed = quickInput.getByText(/\(not listed: .*\)$/);
    await notListed.waitFor();
    const summary = await notListed.innerText();
    assert.match(summary, /Northwind: sign-in needed/);
    assert.match(summary, /Contoso Restricted: access refused/);
    for (const name of ['contosoapps', 'contosonoarm', 'fabrikamtools']) assert.equal(await quickInput.locator('.monaco-list-row').filter({ hasText: name }).count(), 1, `${name} is listed`);
    await saveScreenshot(page, 'tenant-failures-1-picker');
    await apps.click();
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast').filter({ hasText: /Docker is ready for contosoapps until / }).waitFor({ timeout: 60_000 });

    tree = await openRegistriesView(page);
    await resizeSideBar(page, 560);
    const northwindRow = row(/^Tenant Northwind \(.*\), not listed$/);
    await northwindRow.waitFor({ timeout: 60_000 });
    const signInToNorthwind = row(/^Sign In to Northwind\.\.\. /);
    await signInToNorthwind.waitFor();
    await expandRow(row(/^Tenant Contoso \(/));
    const restricted = row(/^Subscription Contoso Restricted /);
    await expandRow(restricted);
    const refusal = row(/^Error: /);
    await refusal.waitFor({ timeout: 30_000 });
    assert.equal(await refusal.count(), 1, 'one error node');
    await expandRow(row(/^Subscription Contoso Dev /));
    await row(/^Registry contosoapps, /).waitFor({ timeout: 30_000 });
    await expandRow(row(/^Tenant Fabrikam \(/));
    await expandRow(row(/^Subscription Fabrikam Prod /));
    await row(/^Registry fabrikamtools, /).waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'tenant-failures-2-tree');
    // Each failure the view shows is in the log once.
    const log = await workbench.extensionLog();
    const lines = (pattern: RegExp) => log.split('\n').filter((line) => pattern.test(line));
    assert.equal(lines(new RegExp(`Registries view, tenant/${northwind.id}: `)).length, 1, log);
    assert.equal(lines(new RegExp(`Registries view, subscription/${contosoRestricted.id}: `)).length, 1, log);

    // Sign In to Northwind: VS Code asks Entra for that tenant interactively, which satisfies its MFA.
    await signInToNorthwind.click();
    const allowAgain = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' });
    const northwindTenant = row(/^Tenant Northwind \(.*\)$/);
    await allowAgain.or(northwindTenant).first().waitFor({ timeout: 30_000 });
    if (await allowAgain.isVisible()) await allowAgain.click();
    await expandRow(northwindTenant);
    await expandRow(row(/^Subscription Northwind Shared /));
    await row(/^Registry northwindapps, /).waitFor({ timeout: 30_000 });
    assert.equal(await row(/^Sign In to Northwind/).count(), 0);
    await saveScreenshot(page, 'tenant-failures-3-signed-in-to-northwind');
  });
});
