// Hostile input, fuzzed: every parser either answers or refuses with an error of its own kind that says why.
// Each run draws a new seed, so runs try new inputs; the seed is printed, and a failure reproduces with
// FC_SEED=<seed> npm run test:unit -- fuzz (its message gives the seed and fast-check's path). Caught this way:
// nextPageLink without the try around `new URL` threw a TypeError on a link to `https://<` within 40 inputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ChallengeError, parseBearerChallenge } from '../../src/acr/challenge';
import { AcrError } from '../../src/acr/errors';
import { grantedActions, JwtError, jwtAccountName, jwtExpiresOn } from '../../src/acr/jwt';
import { nextPageLink } from '../../src/acr/link';
import { loginServerFor, untrustedReason } from '../../src/acr/loginServer';
import { tokenFromAnswer } from '../../src/acr/protocol';
import { knownClouds } from '../../src/azure/clouds';
import { parseDockerConfig } from '../../src/docker/config';
import { DockerConfigError, InvalidReferenceError } from '../../src/docker/errors';
import { formatImageReference, parseImageReference } from '../../src/docker/imageReference';
import { parseServerAddress, serverAddressProblem } from '../../src/docker/references';
import { FixtureError, validateFixture } from '../emulator/fixture';
import { parseScope } from '../emulator/permissions';

const seed = seedToUse(process.env.FC_SEED ?? process.env.ACR_FUZZ_SEED);
const numRuns = Number(process.env.ACR_FUZZ_RUNS ?? 1000);
const cloud = knownClouds[0];

/** What one target saw: inputs tried, answered, refused with a reason. */
const tally = new Map<string, { runs: number; accepted: number; rejected: number }>();

/**
 * Calls `parse` on the input: an answer counts as accepted, an error of one of the `expected` classes with a
 * non-empty message as rejected with a reason; anything else (TypeError, RangeError, an empty message) fails.
 */
function outcome(target: string, parse: () => unknown, expected: readonly (new (...args: never[]) => Error)[]): void {
  const counts = tally.get(target) ?? { runs: 0, accepted: 0, rejected: 0 };
  tally.set(target, counts);
  counts.runs++;
  try {
    parse();
    counts.accepted++;
  } catch (error) {
    assert.ok(
      expected.some((kind) => error instanceof kind),
      `${target} threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nnot ${expected.map((kind) => kind.name).join(' or ')}`,
    );
    assert.ok((error as Error).message.trim().length > 0, `${target} refused without a reason`);
    counts.rejected++;
  }
}

/** A problem-returning check: undefined (fine) or a non-empty reason, never a throw. */
function reason(target: string, check: () => string | undefined): void {
  outcome(
    target,
    () => {
      const problem = check();
      if (problem !== undefined) {
        assert.ok(problem.trim().length > 0, `${target} gave an empty reason`);
        throw new ReasonGiven(problem);
      }
    },
    [ReasonGiven],
  );
}

class ReasonGiven extends Error {}

/** The seed asked for, or a new one; fast-check takes a 32-bit integer. */
function seedToUse(asked: string | undefined): number {
  if (asked === undefined) return Math.floor(Math.random() * 2 ** 32) | 0;
  const chosen = Number(asked);
  if (!Number.isInteger(chosen)) throw new Error(`FC_SEED=${asked} is not an integer`);
  return chosen;
}

function property<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => void): void {
  const details = fc.check(fc.property(arbitrary, check), { seed, numRuns, includeErrorInReport: true });
  // fast-check's report names the seed and the path to the failing input, then the counterexample.
  if (details.failed) assert.fail(`${fc.defaultReportMessage(details)}\nReproduce with: FC_SEED=${seed} npm run test:unit -- fuzz`);
}

/** Strings made of the pieces a parser cares about, plus random text, so inputs reach deep into it. */
function pieces(...fragments: string[]): fc.Arbitrary<string> {
  return fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fragments) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) }), { maxLength: 24 }).map((parts) => parts.join(''));
}

/** Valid examples, the same with a fragment put in (or a few characters cut), and strings of the fragments. */
function around(valid: readonly string[], ...fragments: string[]): fc.Arbitrary<string> {
  const fragment = fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 4 }));
  const mutated = fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 3 }), fragment).map(([text, at, cut, insert]) => {
    const index = at % (text.length + 1);
    return text.slice(0, index) + insert + text.slice(index + cut);
  });
  return fc.oneof(fc.constantFrom(...valid), { weight: 3, arbitrary: mutated }, { weight: 2, arbitrary: pieces(...fragments) });
}

const base64url = (value: string): string => Buffer.from(value).toString('base64url');
const jwtLike = fc.oneof(
  fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([header, payload]) => `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.c2ln`),
  fc
    .record({ exp: fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null)), access: fc.jsonValue(), preferred_username: fc.jsonValue() }, { requiredKeys: [] })
    .map((claims) => `e30.${base64url(JSON.stringify(claims))}.c2ln`),
  fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join('.')),
  pieces('.', 'eyJ', 'e30', '=', '-', '_', '+', '/', 'A'),
);

const componentFixture = JSON.parse(readFileSync(join(__dirname, '..', 'emulator', 'fixtures', 'component.json'), 'utf8')) as Record<string, unknown>;

/** Every path into a JSON value, so one place of a valid fixture can be replaced by something hostile. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => paths((value as Record<string | number, unknown>)[key], [...prefix, key]))];
}
const fixturePaths = paths(componentFixture).filter((path) => path.length > 0);

function replaced(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[path[0]] = replaced(copy[path[0]], path.slice(1), replacement);
  return copy;
}

describe(`hostile input, fuzzed (fast-check seed ${seed}, ${numRuns} runs a target; FC_SEED=${seed} reproduces)`, function () {
  // A parser that hangs on some input (a regular expression that backtracks) fails here instead of passing slowly.
  this.timeout(60_000);
  after(() => {
    const lines = [...tally].map(([target, { runs, accepted, rejected }]) => `${target}: ${runs} inputs, ${accepted} accepted, ${rejected} refused with a reason`);
    console.log(`      fuzz (seed ${seed}):\n${lines.map((line) => `        ${line}`).join('\n')}`);
  });

  it('login servers: serverAddressProblem, untrustedReason and loginServerFor answer or give a reason', () => {
    const hosts = around(['contoso.azurecr.io', 'contoso-dedicated.azurecr.io', 'contoso.eastus.geo.azurecr.io', '127.0.0.1:5000', 'contosoapps'], 'contoso', '.azurecr.io', 'azurecr.io', ':', '443', '@', '/', '[', ']', '::1', '127.0.0.1', 'xn--', '.', '-', 'A', ' ', '%2e', '\u0131', '\u212a');
    property(hosts, (host) => {
      reason('serverAddressProblem', () => serverAddressProblem(host));
      reason('untrustedReason', () => untrustedReason(`https://${host}/oauth2/exchange`, { cloud, userTrustedHosts: ['127.0.0.1:5000'] }));
      outcome('loginServerFor', () => loginServerFor(host, cloud), [AcrError]);
    });
    property(around(['https://contoso.azurecr.io/oauth2/exchange', 'http://127.0.0.1:5000/v2/'], 'https://', 'http://', 'contoso.azurecr.io', ':8443', '/v2/', '@', '#', '?', '\\', '%40', '..'), (url) =>
      reason('untrustedReason (whole URLs)', () => untrustedReason(url, { cloud, armLoginServers: ['contoso.azurecr.io'] })),
    );
  });

  it('server addresses and image references: parsed, or refused with InvalidReferenceError', () => {
    const references = around(['contoso.azurecr.io/team/api:1.0', 'localhost:5000/hello@sha256:' + 'a'.repeat(64), 'contoso.azurecr.io', 'hello'], 'contoso.azurecr.io', 'localhost', ':5000', '/', 'team', 'api', ':', 'v1', '@sha256:', 'a'.repeat(64), '..', '__', '-', 'UPPER', ' ', '\t', '//', '@', 'https://');
    property(references, (input) => {
      outcome('parseServerAddress', () => parseServerAddress(input), [InvalidReferenceError]);
      outcome('parseImageReference', () => formatImageReference(parseImageReference(input)), [InvalidReferenceError]);
    });
  });

  it('Www-Authenticate headers: a Bearer challenge, or ChallengeError', () => {
    const headers = around(
      ['Bearer realm="https://contoso.azurecr.io/oauth2/token",service="contoso.azurecr.io",scope="repository:hello:pull"', 'Basic realm="x", Bearer realm="https://a.example/t", service=a.example'],
      'Bearer', 'Basic', ' ', ',', 'realm=', 'service=', 'scope=', '"', '\\', '=', '"https://contoso.azurecr.io/oauth2/token"', 'contoso.azurecr.io', 'repository:a:pull', 'abc==', '\t', ';');
    property(headers, (header) => outcome('parseBearerChallenge', () => parseBearerChallenge(header), [ChallengeError]));
  });

  it('scopes: the emulator parses a scope or says it does not', () => {
    property(around(['repository:team/api:pull,push', 'registry:catalog:*'], 'repository', 'registry', ':', 'catalog', '*', 'pull', 'push', ',', 'team/api', ' '), (scope) =>
      outcome('parseScope', () => assert.ok(parseScope(scope) === undefined || typeof parseScope(scope)?.type === 'string'), []),
    );
  });

  it('JWTs: exp read, or JwtError; account name and granted actions never throw', () => {
    property(jwtLike, (token) => {
      outcome('jwtExpiresOn', () => jwtExpiresOn(token), [JwtError]);
      outcome('jwtAccountName', () => jwtAccountName(token), []);
      outcome('grantedActions', () => grantedActions(token, 'repository', 'hello'), []);
      const body = JSON.stringify({ refresh_token: token });
      outcome('tokenFromAnswer', () => tokenFromAnswer('contoso.azurecr.io', { status: 200, body, correlationId: undefined, headers: new Headers() }, 'refresh_token'), [AcrError]);
    });
  });

  it('Link headers: a path on the same registry, or none', () => {
    const links = around(['</v2/_catalog?last=a&n=2>; rel="next"', '<https://contoso.azurecr.io/acr/v1/x/_tags?last=b>; rel=next, </x>; rel="prev"'], '<', '>', '/v2/_catalog?last=a&n=2', 'https://contoso.azurecr.io', 'https://evil.example', ';', ' rel=', '"next"', 'next', ',', '"', '%', '\\', ' ');
    property(links, (header) =>
      outcome(
        'nextPageLink',
        () => {
          const next = nextPageLink(header, 'https://contoso.azurecr.io');
          assert.ok(next === undefined || next.startsWith('/'), `nextPageLink gave ${next}, not a path`);
        },
        [],
      ),
    );
  });

  it('docker config files: parsed, or DockerConfigError that names the fix', () => {
    const shaped = fc.record(
      {
        auths: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.record({ auth: fc.jsonValue() }, { requiredKeys: [] })))),
        credsStore: fc.jsonValue(),
        credHelpers: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
      },
      { requiredKeys: [] },
    );
    const texts = fc.oneof(
      shaped.map((config) => JSON.stringify(config)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      pieces('{', '}', '[', ']', '"auths"', ':', ',', '"credsStore"', '"pass"', 'null', '1e999', '"\\u0000"', ' '),
    );
    property(texts, (text) => outcome('parseDockerConfig', () => parseDockerConfig(text, '/home/user/.docker/config.json'), [DockerConfigError]));
  });

  it('emulator fixture files: loaded, or FixtureError listing the problems', () => {
    const mutated = fc.tuple(fc.constantFrom(...fixturePaths), fc.jsonValue()).map(([path, value]) => replaced(componentFixture, path, value));
    property(fc.oneof(mutated, fc.jsonValue()), (fixture) => outcome('validateFixture', () => validateFixture(fixture), [FixtureError]));
  });
});
