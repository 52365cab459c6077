import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { collapsingLog } from '../../src/collapsingLog';
import { RecentProblems } from '../../src/recentProblems';

const apps = 'contosoapps.azurecr.io';
const local = '127.0.0.1:4430';

describe('RecentProblems: the last warnings and errors logged about a registry, for ACR: Diagnose Access (check 11)', () => {
  it("gives a registry's last five, oldest first, each with its time", () => {
    const problems = new RecentProblems();
    for (let index = 1; index <= 7; index++) problems.record(`Could not renew ${apps} (attempt ${index})`, 1000 * index);
    assert.deepEqual(
      problems.about(apps),
      [3, 4, 5, 6, 7].map((index) => ({ at: 1000 * index, text: `Could not renew ${apps} (attempt ${index})` })),
    );
  });

  it('keeps each registry apart: a line counts only for the login server it names as a whole', () => {
    const problems = new RecentProblems();
    problems.record(`Registries view, subscription/1/registry/${local}: acr.firewall: refused`);
    problems.record(`Could not renew ${local}1: timed out`);
    problems.record(`Could not renew my${apps}.`);
    problems.record(`Could not renew ${apps}.evil.example`);
    problems.record(`Logging Docker in to ${apps.toUpperCase()} failed: refused`);
    problems.record(`Could not renew ${apps}.`);
    assert.deepEqual(
      problems.about(local).map(({ text }) => text),
      [`Registries view, subscription/1/registry/${local}: acr.firewall: refused`],
    );
    assert.deepEqual(
      problems.about(apps).map(({ text }) => text),
      [`Logging Docker in to ${apps.toUpperCase()} failed: refused`, `Could not renew ${apps}.`],
    );
    assert.deepEqual(problems.about('fabrikamtools.azurecr.io'), []);
  });

  it('is bounded: the oldest problems go once a hundred newer ones came, whatever registry they name', () => {
    const problems = new RecentProblems();
    problems.record(`Could not renew ${apps}: first`);
    for (let index = 0; index < 99; index++) problems.record(`Could not renew fabrikamtools.azurecr.io (attempt ${index})`);
    assert.equal(problems.about(apps).length, 1);
    problems.record('Could not renew fabrikamtools.azurecr.io (one more)');
    assert.deepEqual(problems.about(apps), []);
  });

  it("are the log's own warnings and errors: info is not kept, and a line repeated at once counts once", () => {
    const channel = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as vscode.LogOutputChannel;
    const log = collapsingLog(channel);
    log.info(`Docker is logged in to ${apps}`);
    log.warn(`Could not renew ${apps}; trying again in 30 s`);
    log.warn(`Could not renew ${apps}; trying again in 30 s`);
    log.error(`acrAccess.pullImage failed (acr.firewall): ${apps} refused this computer`);
    const before = Date.now();
    assert.deepEqual(
      log.recentProblems.about(apps).map(({ text }) => text),
      [`Could not renew ${apps}; trying again in 30 s`, `acrAccess.pullImage failed (acr.firewall): ${apps} refused this computer`],
    );
    assert.ok(log.recentProblems.about(apps).every(({ at }) => at <= before && at > before - 60_000));
  });
});
