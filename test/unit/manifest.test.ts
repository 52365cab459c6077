import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandId } from '../../src/commandIds';

const root = join(__dirname, '../..');
const manifestText = readFileSync(join(root, 'package.json'), 'utf8');
const manifest = JSON.parse(manifestText) as {
  engines: { vscode: string };
  dependencies: Record<string, string>;
  icon: string;
  contributes: { commands: { command: string; title: string }[] };
};
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

describe('package.json', () => {
  it('has a package.nls.json string for every %key% it uses, and no unused ones', () => {
    const used = [...manifestText.matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]).sort();
    assert.ok(used.length > 0);
    assert.deepEqual(Object.keys(nls).sort(), [...new Set(used)]);
  });

  it('contributes exactly the commands in the CommandId table, each with a localized title', () => {
    const contributed = manifest.contributes.commands.map(({ command }) => command).sort();
    assert.deepEqual(contributed, Object.values(CommandId).sort());
    for (const { title } of manifest.contributes.commands) assert.match(title, /^%.+%$/);
  });

  it('asks for a VS Code no newer than 1.100, the version the code-server test host runs', () => {
    const match = /^\^1\.(\d+)\.\d+$/.exec(manifest.engines.vscode);
    assert.ok(match, `unexpected engines.vscode ${manifest.engines.vscode}`);
    assert.ok(Number(match[1]) <= 100);
  });

  it('names a 128x128 PNG icon that exists', () => {
    const png = readFileSync(join(root, manifest.icon));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 128);
    assert.equal(png.readUInt32BE(20), 128);
  });

  it('lists as runtime dependencies only packages src/ imports (what only tests use is a devDependency)', () => {
    const source = join(root, 'src');
    const imported = new Set<string>();
    for (const file of readdirSync(source, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
      for (const match of readFileSync(join(source, file), 'utf8').matchAll(/(?:from |import\()'((?:@[\w.-]+\/)?[\w.-]+)[^']*'/g)) imported.add(match[1]);
    }
    assert.ok(imported.has('@vscode/l10n'), `found only ${[...imported].join(', ')}`);
    assert.deepEqual(Object.keys(manifest.dependencies).filter((name) => !imported.has(name)), []);
  });
});
