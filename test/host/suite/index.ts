// The host tier's entry point: the extension host calls run() once the extension under development is
// loaded (VS Code's extensionTestsPath contract, as code-server honours it).
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activateAndRecordModules } from '../activation';
import { HostResults } from '../results';
import { inTestOrder } from '../../testOrder';

export async function run(): Promise<void> {
  await activateAndRecordModules();
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'dot' });
  const filters = (process.env.ACR_TEST_FILES ?? '').split(',').filter((filter) => filter !== '');
  const chosen = (file: string) => file.endsWith('.test.js') && (filters.length === 0 || filters.some((filter) => file.includes(filter)));
  for (const name of inTestOrder(readdirSync(__dirname).filter(chosen))) {
    mocha.addFile(join(__dirname, name));
  }
  const results: HostResults = { passed: [], failed: [], skipped: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => results.passed.push(test.fullTitle()));
    runner.on('fail', (test, error: Error) => results.failed.push({ title: test.fullTitle(), error: error.stack ?? error.message }));
    runner.on('pending', (test) => results.skipped?.push(test.fullTitle()));
  });
  const resultsFile = process.env.ACR_TEST_RESULTS;
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify(results));
  if (results.failed.length > 0) throw new Error(`${results.failed.length} host test(s) failed`);
}
