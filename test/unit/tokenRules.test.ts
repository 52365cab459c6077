import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  describeLimits,
  parsePasswordExpiry,
  parseRepositoryPatterns,
  registryLimits,
  repositoryPatternProblem,
  scopeMapActions,
  scopeMapActionsProblem,
  scopeMapNameProblem,
  splitScopeMapActions,
  tokenNameProblem,
} from '../../src/azure/tokenRules';
import { passwordExpiryState } from '../../src/status/timeLeft';

const day = 24 * 3600_000;
const now = Date.parse('2026-01-15T12:00:00Z');

describe('azure: token and scope-map input rules', () => {
  it('takes token names of 5-50 letters, digits and hyphens, and says why others are refused', () => {
    for (const name of ['ci-pull', 'Token1', 'a'.repeat(50)]) assert.equal(tokenNameProblem(name), undefined, name);
    for (const name of ['abcd', 'a'.repeat(51), 'with_underscore', 'has space', 'dot.ted', '']) assert.match(tokenNameProblem(name) ?? '', /5 to 50 letters, digits and hyphens/, name);
  });

  it('takes scope-map names with underscores too, but not the built-ins\' _repositories_ prefix', () => {
    assert.equal(scopeMapNameProblem('ci_pull-map'), undefined);
    assert.match(scopeMapNameProblem('_repositories_mine') ?? '', /built-in/);
    assert.match(scopeMapNameProblem('map') ?? '', /5 to 50/);
  });

  it('takes repository names, * alone, and one trailing /*, and refuses other wildcards with the rule', () => {
    for (const pattern of ['*', 'hello', 'team/api', 'team/*', 'a.b_c-d/e__f']) assert.equal(repositoryPatternProblem(pattern), undefined, pattern);
    for (const pattern of ['team*', 'team/*/api', '*/api', 'team/**', '**']) assert.match(repositoryPatternProblem(pattern) ?? '', /only be one trailing \/\*/, pattern);
    for (const pattern of ['Team', 'team/', '/team', 'te am', '-team']) assert.match(repositoryPatternProblem(pattern) ?? '', /not a repository name/, pattern);
  });

  it('refuses an empty repository list before any call, and one longer than the SKU allows', () => {
    assert.deepEqual(parseRepositoryPatterns(' ,  '), { problem: 'Name at least one repository, or * for all of them.' });
    assert.deepEqual(parseRepositoryPatterns('hello, team/* hello'), { patterns: ['hello', 'team/*'] });
    const limits = registryLimits('Basic');
    const tooMany = Array.from({ length: 501 }, (_, i) => `repo${i}`).join(',');
    assert.match((parseRepositoryPatterns(tooMany, limits) as { problem: string }).problem, /at most 500 repositories; this list has 501/);
  });

  it('writes repositories x permissions as ACR actions and reads them back', () => {
    const actions = scopeMapActions(['hello', 'team/*'], ['content/read', 'metadata/read']);
    assert.deepEqual(actions, ['repositories/hello/content/read', 'repositories/hello/metadata/read', 'repositories/team/*/content/read', 'repositories/team/*/metadata/read']);
    assert.deepEqual(splitScopeMapActions(actions), { patterns: ['hello', 'team/*'], permissions: ['content/read', 'metadata/read'] });
    assert.match(scopeMapActionsProblem([]) ?? '', /at least one permission/);
    assert.match(scopeMapActionsProblem(new Array<string>(501).fill('x'), registryLimits('Premium')) ?? '', /at most 500 actions/);
  });

  it('names the per-SKU limits before a form is filled', () => {
    assert.equal(
      describeLimits(registryLimits('Basic')!, { tokens: 3, scopeMaps: 2 }),
      'A Basic registry holds up to 100 tokens and 100 scope maps; a scope map up to 500 repositories and 500 actions. This one has 3 tokens and 2 scope maps.',
    );
    assert.equal(registryLimits('Standard')?.tokens, 500);
    assert.equal(registryLimits('premium')?.scopeMaps, 50_000);
    assert.equal(registryLimits('Classic'), undefined);
  });

  describe('password expiry as typed', () => {
    it('takes a number of days from now, a date (end of that day, UTC), a date and time, or never', () => {
      assert.deepEqual(parsePasswordExpiry('30', now), { expiry: new Date(now + 30 * day) });
      assert.deepEqual(parsePasswordExpiry('2026-03-31', now), { expiry: new Date('2026-03-31T23:59:59Z') });
      assert.deepEqual(parsePasswordExpiry('2026-02-01T08:30:00+01:00', now), { expiry: new Date('2026-02-01T07:30:00Z') });
      assert.deepEqual(parsePasswordExpiry(' Never ', now), { expiry: undefined });
    });

    it('refuses past, malformed and impossible dates with the reason', () => {
      assert.match((parsePasswordExpiry('2026-01-14', now) as { problem: string }).problem, /in the past/);
      assert.match((parsePasswordExpiry('2026-01-15T11:59:00Z', now) as { problem: string }).problem, /in the past/);
      for (const text of ['2026-02-31', '31/12/2030', 'tomorrow', '', '2030-13-01', '0', '36501']) {
        assert.ok('problem' in parsePasswordExpiry(text, now), text);
      }
    });

    it('never returns an expiry at or before now, whatever is typed', () => {
      fc.assert(
        fc.property(fc.string(), (text) => {
          const result = parsePasswordExpiry(text, now);
          if ('problem' in result) return true;
          // Only "never" means no expiry; anything else that is accepted lies in the future.
          return result.expiry === undefined ? text.trim().toLowerCase() === 'never' : result.expiry.getTime() > now;
        }),
      );
    });

    it('marks expired and soon-to-expire passwords', () => {
      assert.equal(passwordExpiryState(undefined, now), 'none');
      assert.equal(passwordExpiryState(now, now), 'expired');
      assert.equal(passwordExpiryState(now + 7 * day, now), 'soon');
      assert.equal(passwordExpiryState(now + 7 * day + 1, now), 'ok');
    });
  });
});
