// The README says only what is true: its settings, commands and troubleshooting entries are checked against
// package.json and the error kinds in src/, read at run time so new settings, commands and kinds are caught.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acrErrorMessages, AcrErrorKind } from '../../src/acr/errors';
import { AccessAttempt, AccessPlane, roleFor } from '../../src/actionableFailure';

const root = join(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface SettingSchema {
  readonly default?: unknown;
  readonly scope?: string;
  readonly properties?: Record<string, unknown>;
}
interface Manifest {
  readonly contributes: {
    readonly commands: readonly { command: string; title: string; category?: string }[];
    readonly configuration: { properties: Record<string, SettingSchema> };
    readonly views?: Record<string, readonly { id: string }[]>;
    readonly viewsContainers?: Record<string, readonly { id: string }[]>;
  };
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
const settings = manifest.contributes.configuration.properties;

/** The text of a `## heading` section, up to the next `## ` heading. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The text of a `### heading` part of a section, up to the next heading. */
function part(text: string, heading: string): string {
  const start = text.indexOf(`\n### ${heading}\n`);
  assert.ok(start >= 0, `README has no "### ${heading}" part`);
  const end = text.indexOf('\n#', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The body rows of the first Markdown table in `text`, as trimmed cells. */
function tableRows(text: string): string[][] {
  const all = text.split('\n');
  const first = all.findIndex((line) => line.startsWith('|'));
  const end = all.findIndex((line, index) => index > first && !line.startsWith('|'));
  const lines = first < 0 ? [] : all.slice(first, end < 0 ? undefined : end);
  assert.ok(lines.length > 2, 'no table found');
  assert.match(lines[1], /^\|( --- \|)+$/, 'the second table line is not the header rule');
  return lines.slice(2).map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

function codeSpan(cell: string): string {
  const match = /^`([^`]+)`$/.exec(cell);
  assert.ok(match, `expected one code span, got ${cell}`);
  return match[1];
}

function localized(text: string): string {
  const key = /^%(.+)%$/.exec(text)?.[1];
  return key === undefined ? text : (nls[key] ?? assert.fail(`no package.nls.json string for ${text}`));
}

/** Every command as the palette shows it: "ACR: Sign In". */
const commandNames = new Map(manifest.contributes.commands.map(({ command, title, category }) => [`${category ? `${category}: ` : ''}${localized(title)}`, command]));

/** Every failure kind the extension can report: the AcrError kinds and each kind named in the other error sources. */
function failureKinds(): Set<string> {
  const kinds = new Set((Object.keys(acrErrorMessages) as AcrErrorKind[]).map((kind) => `acr.${kind}`));
  const source = join(root, 'src');
  const add = (text: string, pattern: RegExp) => {
    for (const match of text.matchAll(pattern)) kinds.add(match[1]);
  };
  // Error classes declare `failureKind = 'x'` (or choose between such strings).
  for (const file of readdirSync(source, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
    for (const [, expression] of readFileSync(join(source, file), 'utf8').matchAll(/failureKind = ([^;]+);/g)) add(expression, /'([a-z]+\.[A-Za-z]+)'/g);
  }
  // failures.ts names the failures of libraries and the unexpected with `advice('x', ...` or `kind: 'x'`.
  add(readFileSync(join(source, 'failures.ts'), 'utf8'), /(?:advice\(|\bkind: )'([^']+)'/g);
  return kinds;
}

describe('README', () => {
  describe('settings table', () => {
    const rows = tableRows(section('Settings'));

    it('lists every setting package.json contributes, and no other', () => {
      assert.deepEqual(rows.map(([id]) => codeSpan(id)).sort(), Object.keys(settings).sort());
    });

    it("gives each setting package.json's default", () => {
      for (const [id, shown] of rows) {
        assert.deepEqual(JSON.parse(codeSpan(shown)), settings[codeSpan(id)]?.default, `default of ${id}`);
      }
    });

    it('says "User settings only" exactly for the settings a workspace cannot set', () => {
      for (const [id, , description] of rows) {
        const scope = settings[codeSpan(id)]?.scope;
        const userOnly = scope === 'application' || scope === 'machine';
        assert.equal(description.includes('User settings only'), userOnly, `${id} has scope ${scope ?? 'window'}`);
      }
    });

    it('describes every setting', () => {
      for (const [id, , description] of rows) assert.ok(description.length > 20, `${id} has no description`);
    });
  });

  describe('commands', () => {
    it('every command named "ACR: ..." in bold exists, with that category and title', () => {
      const named = [...readme.matchAll(/\*\*(ACR: [^*]+)\*\*/g)].map((match) => match[1]);
      assert.ok(named.length > 5, 'the README names hardly any command');
      const missing = named.filter((name) => !commandNames.has(name));
      assert.deepEqual(missing, [], `commands the README names that package.json does not contribute (it has: ${[...commandNames.keys()].join(', ')})`);
    });

    it('the commands table lists every contributed command once', () => {
      const listed = tableRows(section('Commands')).map(([name]) => /^\*\*(.+)\*\*$/.exec(name)?.[1] ?? assert.fail(`not a bold command name: ${name}`));
      assert.deepEqual([...listed].sort(), [...commandNames.keys()].sort());
    });

    it('every acrAccess.* id it quotes is a setting (or a field of one), a command or a view', () => {
      const known = new Set([
        ...Object.keys(settings),
        ...Object.entries(settings).flatMap(([id, schema]) => Object.keys(schema.properties ?? {}).map((field) => `${id}.${field}`)),
        ...manifest.contributes.commands.map(({ command }) => command),
        ...Object.values(manifest.contributes.views ?? {}).flatMap((views) => views.map(({ id }) => id)),
        ...Object.values(manifest.contributes.viewsContainers ?? {}).flatMap((containers) => containers.map(({ id }) => id)),
      ]);
      const quoted = [...readme.matchAll(/`(acrAccess\.[A-Za-z.]+)`/g)].map((match) => match[1]);
      assert.ok(quoted.length > 0);
      assert.deepEqual(quoted.filter((id) => !known.has(id)), []);
    });
  });

  describe('troubleshooting', () => {
    const rows = tableRows(section('Troubleshooting'));
    const entries = new Map(rows.map(([kind, message, whatToDo]) => [codeSpan(kind), { message, whatToDo }]));

    it('has one entry for each kind of failure the extension can show, and none for a kind it cannot', () => {
      const kinds = failureKinds();
      assert.ok(kinds.size > 20, `found only ${[...kinds].join(', ')}`);
      assert.equal(entries.size, rows.length, 'a kind is listed twice');
      assert.deepEqual([...entries.keys()].sort(), [...kinds].sort());
    });

    it("quotes each registry failure's message as the extension words it", () => {
      for (const kind of Object.keys(acrErrorMessages) as AcrErrorKind[]) {
        assert.equal(entries.get(`acr.${kind}`)?.message, acrErrorMessages[kind]('myregistry.azurecr.io'), `acr.${kind}`);
      }
    });

    it('names, for what was tried in ARM and in the registry (ABAC or not), the role the advice names', () => {
      const attempts: AccessAttempt[] = ['read', 'write', 'delete', 'list'];
      const modes: Array<[AccessPlane, string]> = [
        ['arm', 'any'],
        ['data', 'not ABAC'],
        ['data', 'ABAC'],
      ];
      const expected = modes.flatMap(([plane, mode]) => attempts.map((attempt) => [attempt, plane, mode, roleFor(attempt, plane, mode === 'ABAC')]));
      const listed = tableRows(part(section('Troubleshooting'), 'Which role to ask for')).map(([attempt, plane, mode, role]) => [codeSpan(attempt), codeSpan(plane), mode, role]);
      assert.deepEqual(listed, expected);
    });

    it('says what to do for every kind', () => {
      for (const [kind, { message, whatToDo }] of entries) {
        assert.ok(message.length > 5 && whatToDo.length > 5, `${kind} lacks a message or what to do`);
      }
    });
  });
});
