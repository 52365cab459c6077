import * as assert from 'node:assert/strict';
import { nextPageLink } from '../../src/acr/link';
import { lastBefore } from '../../src/acr/registryContent';

const origin = 'https://contoso.azurecr.io';

describe('Link header: the next page', () => {
  const cases: [string, string | null, string | undefined][] = [
    ['relative, as ACR sends it', '</acr/v1/_catalog?last=b&n=100&orderby=>; rel="next"', '/acr/v1/_catalog?last=b&n=100&orderby='],
    ['absolute on the same registry', '<https://contoso.azurecr.io/v2/_catalog?last=b&n=2>; rel="next"', '/v2/_catalog?last=b&n=2'],
    ['rel without quotes', '</v2/_catalog?last=b&n=2>; rel=next', '/v2/_catalog?last=b&n=2'],
    ['the next link among others', '</acr/v1/x/_tags?last=a>; rel="prev", </acr/v1/x/_tags?last=c&n=5&orderby=timedesc>; rel="next"', '/acr/v1/x/_tags?last=c&n=5&orderby=timedesc'],
    ['a comma inside the URL', '</v2/_catalog?last=a,b&n=2>; rel="next"', '/v2/_catalog?last=a,b&n=2'],
    ['several relations in one rel', '</v2/_catalog?last=z>; rel="last next"', '/v2/_catalog?last=z'],
    ['an encoded last kept as sent', '</acr/v1/team%2Fapi/_tags?last=v%201&n=1>; rel="next"', '/acr/v1/team%2Fapi/_tags?last=v%201&n=1'],
    ['no header', null, undefined],
    ['only a previous page', '</v2/_catalog?last=a>; rel="prev"', undefined],
    ['another host (the token must not follow it)', '<https://evil.example/v2/_catalog?last=b>; rel="next"', undefined],
    ['the same host on another port', '<https://contoso.azurecr.io:8443/v2/_catalog?last=b>; rel="next"', undefined],
    ['plain HTTP to the same host', '<http://contoso.azurecr.io/v2/_catalog?last=b>; rel="next"', undefined],
    ['garbage', 'rel="next"', undefined],
    ['an unclosed bracket', '</v2/_catalog?last=b; rel="next"', undefined],
  ];
  for (const [name, header, expected] of cases) {
    it(`${name}: ${expected ?? 'none'}`, () => assert.equal(nextPageLink(header, origin), expected));
  }
});

describe('Seeking the catalog to a name prefix', () => {
  const names = ['a', 'svc/app-08999', 'svc/app-09', 'svc/app-09000', 'svc/app-09-x', 'svc/app-09.x', 'svc/app-09/x', 'svc/app-09_x', 'svc/app-0:', 'svc/app-1'];

  it('puts every name starting with the prefix after `last`, and no other name between', () => {
    for (const prefix of ['svc/app-09', 'svc/', 's', 'svc/app-0', 'SVC/APP-09']) {
      const last = lastBefore(prefix)!;
      const lower = prefix.toLowerCase();
      const after = names.filter((name) => name > last).sort();
      const firstMatch = after.findIndex((name) => name.startsWith(lower));
      assert.ok(firstMatch >= 0, `${prefix}: nothing after ${last}`);
      assert.equal(firstMatch, 0, `${prefix}: ${after[0]} sorts between ${last} and the first match`);
      for (const name of names.filter((candidate) => candidate.startsWith(lower))) assert.ok(name > last, `${name} is not after ${last}`);
    }
  });

  it('seeks nowhere for an empty prefix', () => {
    assert.equal(lastBefore(''), undefined);
  });
});
