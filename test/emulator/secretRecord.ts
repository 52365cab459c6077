// The secret scan of `npm test` (test/secretScan.ts) needs every secret the emulator handed out, and what its
// telemetry endpoint received. test/runAll.ts names a folder in ACR_SECRET_SCAN_DIR; without it nothing is kept.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const issuedSecretsFile = 'issued-secrets.txt';
export const artifactsFolder = 'artifacts';
/** A docker config.json kept for the scan: its credential entries are the extension's, and are left out of it. */
export const dockerConfigArtifact = 'docker-config.json';

function scanDir(): string | undefined {
  return process.env.ACR_SECRET_SCAN_DIR || undefined;
}

/** Notes a token, refresh token, code or password the emulator issued or was given by its fixture. */
export function recordIssuedSecret(secret: string | undefined): void {
  const dir = scanDir();
  if (!dir || !secret) return;
  appendFileSync(join(dir, issuedSecretsFile), `${secret}\n`);
}

/** Keeps telemetry envelopes as they arrived, for the scan. */
export function recordReceivedTelemetry(envelopes: readonly unknown[]): void {
  const dir = scanDir();
  if (!dir || envelopes.length === 0) return;
  mkdirSync(join(dir, artifactsFolder), { recursive: true });
  appendFileSync(join(dir, artifactsFolder, `telemetry-${process.pid}.jsonl`), envelopes.map((envelope) => `${JSON.stringify(envelope)}\n`).join(''));
}
