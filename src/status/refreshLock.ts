import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as vscode from 'vscode';
import { RefreshLock } from './refreshScheduler';

interface Holder {
  readonly owner: string;
  readonly until: number;
}

function parseHolder(text: string | undefined): Holder | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.owner === 'string' && typeof value.until === 'number' ? { owner: value.owner, until: value.until } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A per-registry lock with a time-out in SecretStorage, which every VS Code window of this user shares. It
 * has no compare-and-set, so a window writes its claim, waits for a racing window's write to land, and owns
 * the lock only if its claim is still the one stored. A window that dies holding it blocks others only
 * until the time-out.
 */
export class SecretStorageLock implements RefreshLock {
  private readonly owner = randomUUID();

  constructor(
    private readonly secrets: Pick<vscode.SecretStorage, 'get' | 'store' | 'delete'>,
    private readonly timings = { holdMs: 2 * 60_000, settleMs: 300 },
  ) {}

  async acquire(loginServer: string): Promise<(() => Promise<void>) | undefined> {
    const key = `acrAccess.refreshLock.${loginServer}`;
    const held = parseHolder(await this.secrets.get(key));
    if (held && held.owner !== this.owner && held.until > Date.now()) return undefined;
    await this.secrets.store(key, JSON.stringify({ owner: this.owner, until: Date.now() + this.timings.holdMs }));
    await sleep(this.timings.settleMs);
    if (parseHolder(await this.secrets.get(key))?.owner !== this.owner) return undefined;
    return async () => {
      if (parseHolder(await this.secrets.get(key))?.owner === this.owner) await this.secrets.delete(key);
    };
  }
}
