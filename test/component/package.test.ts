import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../world/codeServer';

const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  contributes: { walkthroughs: { steps: { media: { markdown: string } }[] }[] };
};

/** The file names in a zip archive, read from its central directory. */
function zipEntries(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'not a zip archive');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, 'corrupt central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('npm run package', () => {
  let entries: string[];
  before(function () {
    this.timeout(120_000);
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: projectRoot, stdio: 'pipe' });
    entries = zipEntries(readFileSync(join(projectRoot, 'dist/acr-access.vsix')));
  });

  it('makes a .vsix with the bundle, the manifest, media and docs, and nothing else', () => {
    const allowed = [
      /^\[Content_Types\]\.xml$/,
      /^extension\.vsixmanifest$/,
      /^extension\/(package\.json|package\.nls\.json|readme\.md|changelog\.md|LICENSE\.txt)$/,
      /^extension\/dist\/extension\.js$/,
      /^extension\/dist\/lazy\/[\w-]+\.js$/,
      /^extension\/media\/[\w-]+\.(png|svg)$/,
      /^extension\/media\/walkthrough\/[\w-]+\.md$/,
    ];
    const unexpected = entries.filter((name) => !allowed.some((pattern) => pattern.test(name)));
    assert.deepEqual(unexpected, [], 'test, source or dev files in the package');
    const walkthroughMedia = manifest.contributes.walkthroughs.flatMap(({ steps }) => steps.map(({ media }) => `extension/${media.markdown}`));
    assert.ok(walkthroughMedia.length > 0);
    for (const required of ['extension/package.json', 'extension/dist/extension.js', 'extension/media/icon.png', ...walkthroughMedia]) {
      assert.ok(entries.includes(required), `${required} is missing`);
    }
  });

  it('ships minified bundles without source maps', () => {
    const bundle = readFileSync(join(projectRoot, 'dist/extension.js'), 'utf8');
    // Minifying renames local functions, so the source's own names are gone.
    assert.ok(!bundle.includes('function registerCommands('), 'the bundle is not minified');
    for (const name of entries.filter((entry) => entry.startsWith('extension/dist/'))) {
      assert.ok(!readFileSync(join(projectRoot, name.slice('extension/'.length)), 'utf8').includes('sourceMappingURL'), `${name} points at a source map`);
    }
  });

  it('holds every bundle the extension loads on demand', () => {
    // Each file in the package that requires a lazy bundle (see esbuild.mjs) must find it there too.
    const shipped = entries.filter((entry) => /^extension\/dist\/.*\.js$/.test(entry));
    const required = shipped.flatMap((name) => {
      const text = readFileSync(join(projectRoot, name.slice('extension/'.length)), 'utf8');
      return [...text.matchAll(/require\("\.\/(lazy\/)?([\w-]+\.js)"\)/g)].map((match) => `extension/dist/lazy/${match[2]}`);
    });
    assert.ok(required.includes('extension/dist/lazy/dockerode.js'), 'the extension does not load dockerode from its own bundle');
    assert.deepEqual([...new Set(required)].filter((name) => !shipped.includes(name)), []);
  });
});
