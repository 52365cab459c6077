import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { startDockerEngine } from '../world/dockerEngine';

describe('The test world', () => {
  it('starts a private Docker engine on its own socket and removes it and its files on stop', async () => {
    const engine = await startDockerEngine({ reuseExisting: false });
    const socket = engine.host.replace('unix://', '');
    assert.ok(existsSync(socket), `no socket at ${socket}`);
    await engine.stop();
    assert.ok(!existsSync(socket));
    assert.ok(!existsSync(dirname(socket)), `${dirname(socket)} is left`);
  });
});
