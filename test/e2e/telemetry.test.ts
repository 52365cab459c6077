import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TelemetryEnvelope } from '../world/emulator';
import { EmulatorWorkbench, openEmulatorWorkbench, runFromPalette, saveScreenshot, signInWithVsCodeAccount } from './workbench';

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

/** Signs in, logging Docker in to contosoapps, and renews its credential from the palette. */
async function signInAndRenew(workbench: EmulatorWorkbench): Promise<void> {
  await signInWithVsCodeAccount(workbench.page, 'contosoapps');
  await runFromPalette(workbench.page, 'ACR: Renew Docker Credentials Now');
  await workbench.page.locator('.notification-toast').filter({ hasText: /Docker credentials renewed for / }).waitFor({ timeout: 60_000 });
}

for (const level of ['all'] as const) {
  describe(`Usage data with telemetry.telemetryLevel ${level}`, () => {
    let workbench: EmulatorWorkbench;

    before(async () => {
      workbench = await openEmulatorWorkbench(() => ({ 'telemetry.telemetryLevel': level }), { telemetryAllowed: true });
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await saveScreenshot(workbench.page, `failed-${this.currentTest.title}`);
    });
    after(() => workbench?.close());

    if (level === 'all') {
      it('arrives at the collector: sign-in source and outcome, commands with durations, the renewal, registries hashed and no secrets', async () => {
        await signInAndRenew(workbench);
        // The reporter sends in batches, on its own schedule.
        let envelopes: TelemetryEnvelope[] = [];
        const deadline = Date.now() + 90_000;
        while (!events((envelopes = await workbench.emulator.client.telemetry())).some((event) => event.name === 'renewal')) {
          if (Date.now() > deadline) {
            const requests = (await workbench.emulator.client.log()).filter((entry) => entry.server === 'telemetry');
            assert.fail(`no renewal event arrived; the collector got ${JSON.stringify(requests)} and ${JSON.stringify(envelopes).slice(0, 1500)}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
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
        const everything = JSON.stringify(envelopes).toLowerCase();
        for (const registry of workbench.emulator.registries) {
          assert.ok(!everything.includes(registry.loginServer.toLowerCase()), `${registry.loginServer} was sent in clear`);
          assert.ok(!everything.includes(registry.name.toLowerCase()), `${registry.name} was sent in clear`);
        }
        for (const tenant of workbench.emulator.tenants) assert.ok(!everything.includes(tenant.id.toLowerCase()), `tenant ${tenant.id} was sent in clear`);
        assert.ok(!/eyj[a-z0-9_-]{10,}\./.test(everything), 'a token was sent');
      });
    }
  });
}
