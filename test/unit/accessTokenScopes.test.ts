import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AccessTokenRequestError, accessTokenScopes, repositoryListProblem, repositoryNameProblem, splitRepositoryList } from '../../src/acr/accessTokenScopes';

describe('access token scopes: repository names, wildcards, actions (docs/protocol.md section 4)', () => {
  const valid = ['hello', 'team/api', 'a', 'a1/b-c/d_e', 'foo__bar', 'x.y', 'a--b', 'deep/er/path/name'];
  for (const name of valid) {
    it(`accepts the repository name ${name}`, () => assert.equal(repositoryNameProblem(name), undefined));
  }

  const refused: Array<[string, RegExp]> = [
    ['team/*', /wildcard.*name each repository exactly/],
    ['*', /wildcard/],
    ['team/ap?', /wildcard/],
    ['Team/API', /lower case: "team\/api"/],
    ['', /Enter a repository name/],
    ['/api', /empty part/],
    ['team/', /empty part/],
    ['team//api', /empty part/],
    ['-api', /"-api" is not a valid part/],
    ['api.', /"api\." is not a valid part/],
    ['a___b', /not a valid part/],
    ['api:v1', /has a ":"/],
    ['hello world', /not a valid part/],
    ['a'.repeat(256), /longer than 255/],
  ];
  for (const [name, reason] of refused) {
    it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}...` : name)} and says why`, () => {
      assert.match(repositoryNameProblem(name) ?? '', reason);
    });
  }

  it('refuses a wildcard before any other rule, so the reason given is the wildcard', () => {
    assert.match(repositoryNameProblem('Team/*') ?? '', /wildcard/);
  });

  it('splits a typed list on commas and spaces, dropping repeats and empties', () => {
    assert.deepEqual(splitRepositoryList(' team/api, hello  team/api,,'), ['team/api', 'hello']);
  });

  it('refuses an empty list in the input box, and names the first bad repository otherwise', () => {
    assert.match(repositoryListProblem('  , ') ?? '', /at least one repository/);
    assert.match(repositoryListProblem('hello, team/*') ?? '', /"team\/\*" has a wildcard/);
    assert.equal(repositoryListProblem('hello, team/api'), undefined);
  });

  it('makes one scope per repository, actions in a fixed order', () => {
    assert.deepEqual(accessTokenScopes(['team/api', 'hello'], ['metadata_read', 'pull']), ['repository:team/api:pull,metadata_read', 'repository:hello:pull,metadata_read']);
    assert.deepEqual(accessTokenScopes(['hello', 'hello'], ['push', 'pull', 'delete', 'metadata_write']), ['repository:hello:pull,push,delete,metadata_write']);
  });

  const bad: Array<[string, string[], string[], RegExp]> = [
    ['no repositories', [], ['pull'], /at least one repository/],
    ['a wildcard', ['team/*'], ['pull'], /wildcard/],
    ['no actions', ['hello'], [], /at least one action/],
    ['an unknown action', ['hello'], ['pull', 'admin'], /"admin" is not a repository action/],
    ['the * action', ['hello'], ['*'], /"\*" is not a repository action/],
  ];
  for (const [name, repositories, actions, reason] of bad) {
    it(`refuses to make scopes for ${name}`, () => {
      assert.throws(() => accessTokenScopes(repositories, actions), (error: unknown) => error instanceof AccessTokenRequestError && reason.test(error.message));
    });
  }

  it('never makes a scope with more than three parts or a wildcard, whatever is typed', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 4 }), (names) => {
        let scopes: string[];
        try {
          scopes = accessTokenScopes(names, ['pull']);
        } catch (error) {
          assert.ok(error instanceof AccessTokenRequestError);
          return;
        }
        for (const scope of scopes) {
          assert.equal(scope.split(':').length, 3);
          assert.ok(!/[*?\s]/.test(scope));
        }
      }),
    );
  });
});
