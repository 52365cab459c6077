import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TelemetryEnvelope } from '../world/emulator';
import { Locator } from 'playwright-core';
import { EmulatorWorkbench, expandRow, openEmulatorWorkbench, openRegistriesView, runFromPalette, screenshotIfFailed, signInWithVsCodeAccount } from './workbench';

interface EventData {
  name: string;
  properties: Record<string, string>;
}

/** The extension's custom events among the envelopes, by their short name (VS Code prefixes the extension id). */
function events(envelopes: TelemetryEnvelope[]): EventData[] {
  return envelopes.flatMap((envelope) => {
    const baseData = (envelope.data as { baseData?: { name?: string; properties?: Record<string, string> } } | undefined)?.baseData;
    const name = baseData?.name?.match(/^acraccess\.acr-access\/(.+)$/)?.[1];
    return name ? [{ name, properties: baseData?.properties ?? {} }] : [];
  });
}

/**
 * Signs in, logging Docker in to contosoapps, lists its repositories in the Registries view (one page, 3
 * repositories) and renews its credential from the palette: a sign-in, commands, a tree page and a renewal.
 */
async function signInBrowseAndRenew(workbench: EmulatorWorkbench): Promise<void> {
  const { page } = workbench;
  await signInWithVsCodeAccount(page, 'contosoapps');
  const tree = await openRegistriesView(page);
  const row = (name: RegExp): Locator => tree.getByRole('treeitem', { name });
  await expandRow(row(/^Tenant Contoso /));
  await expandRow(row(/^Subscription Contoso Dev /));
  await expandRow(row(/^Registry contosoapps, /));
  await tree.getByRole('treeitem', { name: `${workbench.emulator.loginServer('contosoapps')}/hello`, exact: true }).waitFor({ timeout: 30_000 });
  await runFromPalette(page, 'ACR: Renew Docker Credentials Now');
  await page.locator('.notification-toast').filter({ hasText: /Docker credentials renewed for / }).waitFor({ timeout: 60_000 });
}

/** Waits until an event of the extension that passes `arrived` is at the collector (the reporter sends in batches, on its own schedule). */
async function envelopesOnceArrived(workbench: EmulatorWorkbench, arrived: (event: EventData) => boolean, patienceMs = 90_000): Promise<TelemetryEnvelope[]> {
  let envelopes: TelemetryEnvelope[] = [];
  const deadline = Date.now() + patienceMs;
  while (!events((envelopes = await workbench.emulator.client.telemetry())).some(arrived)) {
    if (Date.now() > deadline) {
      const requests = (await workbench.emulator.client.log()).filter((entry) => entry.server === 'telemetry');
      assert.fail(`the awaited event did not arrive; the collector got ${JSON.stringify(requests)} and ${JSON.stringify(envelopes).slice(0, 1500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return envelopes;
}

for (const level of ['all', 'off'] as const) {
  describe(`Usage data with telemetry.telemetryLevel ${level}`, () => {
    let workbench: EmulatorWorkbench;

    before(async () => {
      workbench = await openEmulatorWorkbench(() => ({ 'telemetry.telemetryLevel': level }), { telemetryAllowed: true });
    });
    afterEach(screenshotIfFailed(() => workbench?.page));
    after(() => workbench?.close());

    if (level === 'all') {
      it('arrives at the collector: sign-in source and outcome, commands with durations, tree sizes in buckets, the renewal, registries hashed and no secrets', async () => {
        await signInBrowseAndRenew(workbench);
        const envelopes = await envelopesOnceArrived(workbench, (event) => event.name === 'renewal');
        const sent = events(envelopes);

        const signIn = sent.find((event) => event.name === 'signIn');
        assert.deepEqual([signIn?.properties.source, signIn?.properties.outcome], ['vscode', 'succeeded'], JSON.stringify(sent));
        const renewCommand = sent.find((event) => event.name === 'command' && event.properties.command === 'renewNow');
        assert.equal(renewCommand?.properties.outcome, 'succeeded');
        const renewal = sent.find((event) => event.name === 'renewal');
        assert.deepEqual([renewal?.properties.outcome, renewal?.properties.via], ['renewed', 'entra']);

        const apps = workbench.emulator.loginServer('contosoapps');
        assert.match(renewal!.properties.registry, /^[0-9a-f]{32}$/);
        // Salted: not the plain hash anyone could compute from the login server.
        assert.notEqual(renewal!.properties.registry, createHash('sha256').update(apps).digest('hex').slice(0, 32));
        // contosoapps' first page: its 3 repositories, sent as a bucket, under the same hash as the renewal.
        const page = sent.find((event) => event.name === 'treePage' && event.properties.listing === 'repositories');
        assert.deepEqual([page?.properties.size, page?.properties.registry], ['1-10', renewal!.properties.registry], JSON.stringify(sent));
        const everything = JSON.stringify(envelopes).toLowerCase();
        for (const registry of workbench.emulator.registries) {
          assert.ok(!everything.includes(registry.loginServer.toLowerCase()), `${registry.loginServer} was sent in clear`);
          assert.ok(!everything.includes(registry.name.toLowerCase()), `${registry.name} was sent in clear`);
        }
        for (const tenant of workbench.emulator.tenants) assert.ok(!everything.includes(tenant.id.toLowerCase()), `tenant ${tenant.id} was sent in clear`);
        assert.ok(!/eyj[a-z0-9_-]{10,}\./.test(everything), 'a token was sent');
      });
    } else {
      it('sends nothing: once telemetry is turned back on, the first event to arrive is the only one', async function () {
        // The journey, then a reporter that starts sending only once the setting has changed.
        this.timeout(540_000);
        await signInBrowseAndRenew(workbench);
        // Events are dropped when sent with telemetry off, not kept: turned on, the reporter's next batch has only
        // what came after. Had anything above been queued, it would arrive no later than this command's event.
        await workbench.updateSettings({ 'telemetry.telemetryLevel': 'all' });
        const shown = (event: EventData) => event.name === 'command' && event.properties.command === 'showLog';
        // The setting reaches the extension host a moment after the file changes: the command is run until its event
        // arrives. A batch goes out within about 15 s, so an attempt that waited twice that was run too early.
        let envelopes: TelemetryEnvelope[] = [];
        for (let attempt = 0; !events(envelopes).some(shown); attempt++) {
          assert.ok(attempt < 6, 'no event arrived after telemetry was turned on');
          await runFromPalette(workbench.page, 'ACR: Show Log');
          envelopes = await envelopesOnceArrived(workbench, shown, 30_000).catch(() => []);
        }
        assert.deepEqual(
          events(envelopes).filter((event) => !shown(event)),
          [],
          'events sent while telemetry was off arrived',
        );
      });
    }
  });
}
