// After every tier ran, looks for each secret the emulator issued (test/emulator/secretRecord.ts) in what the
// run left behind: each tier's output, code-server's logs, settings and storage, the telemetry received, and
// the docker config.json files without the credential entries the extension wrote there on purpose.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { artifactsFolder, dockerConfigArtifact, issuedSecretsFile } from './emulator/secretRecord';

export interface SecretHit {
  /** The artifact, relative to the scan folder. */
  readonly file: string;
  readonly line: number;
  /** What leaked, never the secret itself. */
  readonly kind: string;
}

export interface SecretScanResult {
  readonly secrets: number;
  readonly files: number;
  readonly hits: SecretHit[];
}

const credentialFields = ['auth', 'identitytoken', 'password', 'registrytoken'];
const searchableRun = /[A-Za-z0-9_-]{8,}/g;

/** What to look for: a JWT by its signature (the part that makes it a credential), anything else whole. */
function needleOf(secret: string): { needle: string; kind: string } {
  const parts = secret.split('.');
  return parts.length === 3 && parts[2].length >= 16 ? { needle: parts[2], kind: 'a token (JWT)' } : { needle: secret, kind: 'a refresh token, code or password' };
}

/** config.json without the credential fields of its `auths` entries: those are the extension's to write. */
function withoutOwnEntries(text: string): string {
  try {
    const config = JSON.parse(text) as { auths?: Record<string, Record<string, unknown>> };
    for (const entry of Object.values(config.auths ?? {})) for (const field of credentialFields) delete entry[field];
    return JSON.stringify(config, null, 1);
  } catch {
    return text;
  }
}

export async function scanForSecrets(scanDir: string): Promise<SecretScanResult> {
  const issued = await readFile(join(scanDir, issuedSecretsFile), 'utf8').catch(() => '');
  const kinds = new Map<string, string>();
  const unusual: string[] = [];
  for (const secret of new Set(issued.split('\n').filter((line) => line.length >= 8))) {
    const { needle, kind } = needleOf(secret);
    kinds.set(needle, kind);
    if (!/^[A-Za-z0-9_-]+$/.test(needle)) unusual.push(needle);
  }
  const root = join(scanDir, artifactsFolder);
  const names = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = names.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const hits: SecretHit[] = [];
  for (const file of files) {
    let text = (await readFile(file)).toString('latin1');
    if (file.endsWith(dockerConfigArtifact)) text = withoutOwnEntries(text);
    text.split('\n').forEach((line, index) => {
      const found = new Set<string>();
      for (const [run] of line.matchAll(searchableRun)) if (kinds.has(run)) found.add(run);
      for (const needle of unusual) if (line.includes(needle)) found.add(needle);
      for (const needle of found) hits.push({ file: relative(scanDir, file), line: index + 1, kind: kinds.get(needle)! });
    });
  }
  return { secrets: kinds.size, files: files.length, hits };
}
