import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mutants } from '../mutants/mutants';
import { tiers } from '../runTier';

const projectRoot = resolve(__dirname, '../..');

/** The test files of a tier whose names contain `word`, as runTier.ts picks them. */
function testFilesWith(tier: string, word: string): string[] {
  return readdirSync(join(projectRoot, 'test', tier), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.test.ts') && name.includes(word));
}

describe('the mutants of npm run test:mutants (the list itself, not run)', () => {
  it('has at least 20, each with its own id', () => {
    assert.ok(mutants.length >= 20, `only ${mutants.length}`);
    const ids = mutants.map((mutant) => mutant.id);
    assert.deepEqual(ids.filter((id, index) => ids.indexOf(id) !== index), []);
  });

  for (const mutant of mutants) {
    it(`${mutant.id}: changes text that occurs exactly once in ${mutant.file}`, () => {
      assert.match(mutant.file, /^src\//);
      assert.notEqual(mutant.replace, mutant.find);
      const text = readFileSync(join(projectRoot, mutant.file), 'utf8');
      assert.equal(text.split(mutant.find).length - 1, 1, 'the find-text does not occur exactly once');
    });

    const { tier, words } = mutant.caughtBy;
    it(`${mutant.id}: is caught by a tier there is (${tier}) and words that each pick a test file of it`, () => {
      assert.ok((tiers as readonly string[]).includes(tier), `no tier ${tier}`);
      if (tier === 'static') return assert.deepEqual(words, [], 'the static tier takes no words');
      assert.ok(words.length > 0, 'no words: the whole tier would run');
      for (const word of words) assert.ok(testFilesWith(tier, word).length > 0, `no ${tier} test file has "${word}" in its name`);
    });
  }
});
