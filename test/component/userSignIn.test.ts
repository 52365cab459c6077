import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { AcrTokenClient } from '../../src/acr/tokenClient';
import { SignInRequiredError } from '../../src/auth/errors';
import { DeviceCodePrompt, SecretSlots, SignInPrompts, UserSignIn } from '../../src/auth/userSignIn';
import { AzureCloud, scopeFor } from '../../src/azure/clouds';
import { listTenantSubscriptions } from '../../src/azure/registries';
import { adviceFor } from '../../src/failures';
import type { Fixture } from '../emulator/fixture';
import componentFixture from '../emulator/fixtures/component.json';
import { launchChromium } from '../world/browser';
import { eventually } from '../world/eventually';
import { contoso, decodeClaims, emulatorCloud, fabrikam, useEmulator } from './emulatorSupport';

/** What VS Code's SecretStorage does for one window's extension: a key-value store that outlives the objects using it. */
class Secrets implements SecretSlots {
  readonly values = new Map<string, string>();
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }
}

const neverPrompt: SignInPrompts = {
  showDeviceCode: () => assert.fail('a device code was shown'),
  openBrowser: () => assert.fail('a browser page was opened'),
};

/** Northwind, a tenant alice is a guest of, whose conditional access asks for MFA. */
const northwind = { id: '7a1e0c52-4a51-4f0e-9a57-0c0ffee00003', displayName: 'Northwind', defaultDomain: 'northwind.example', requiresMfa: true };

/** The component fixture, with alice a guest of Northwind too. */
function fixtureWithMfaTenant(): Fixture {
  const fixture = structuredClone(componentFixture) as unknown as Fixture;
  fixture.tenants.push(northwind);
  const alice = fixture.identities.find((identity) => identity.name === 'alice');
  if (!alice) throw new Error('the component fixture has no alice');
  alice.tenants = [...alice.tenants, northwind.id];
  return fixture;
}

describe('A person signs in once with a device code or a browser page, and every later token comes silently', () => {
  const emulator = useEmulator(fixtureWithMfaTenant());
  let cloud: AzureCloud;

  before(() => {
    cloud = emulatorCloud(emulator());
  });

  beforeEach(async () => {
    await emulator().client.clearFaults();
    await emulator().client.clearLog();
  });

  async function entraRequests(path: RegExp): Promise<number> {
    return (await emulator().client.log()).filter((entry) => entry.server === 'entra' && path.test(entry.path)).length;
  }

  /** A device code sign-in approved by alice once the code is shown; resolves with the prompts shown. */
  async function signInWithDeviceCode(userSignIn: UserSignIn, signal = new AbortController().signal, tenant?: string): Promise<{ prompts: DeviceCodePrompt[]; username: string }> {
    const prompts: DeviceCodePrompt[] = [];
    const approvals: Promise<void>[] = [];
    const showing: SignInPrompts = {
      ...neverPrompt,
      showDeviceCode: (prompt) => {
        prompts.push(prompt);
        approvals.push(emulator().client.approveDeviceCode(prompt.userCode, 'alice'));
      },
    };
    const username = await userSignIn.signIn(showing, signal, tenant);
    await Promise.all(approvals);
    return { prompts, username };
  }

  it('before any sign-in, a credential asks nobody: it fails as needing a sign-in and no device code is requested', async () => {
    const userSignIn = new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, new Secrets());
    await assert.rejects(userSignIn.credential(undefined).getToken(scopeFor(cloud.armAudience)), SignInRequiredError);
    assert.equal(await entraRequests(/devicecode$/), 0);
  });

  it('device code: two sign-ins at once show one code; after it, tokens for both audiences in two tenants come without another code', async () => {
    const userSignIn = new UserSignIn({ kind: 'deviceCode', tenant: 'organizations' }, cloud, new Secrets());
    const prompts: DeviceCodePrompt[] = [];
    const showing: SignInPrompts = {
      ...neverPrompt,
      showDeviceCode: (prompt) => {
        prompts.push(prompt);
        void emulator().client.approveDeviceCode(prompt.userCode, 'alice');
      },
    };
    const signal = new AbortController().signal;
    const [first, second] = await Promise.all([userSignIn.signIn(showing, signal), userSignIn.signIn(showing, signal)]);
    assert.equal(first, 'alice@contoso.example');
    assert.equal(second, first);
    assert.equal(prompts.length, 1, 'one code shown');
    assert.equal(prompts[0].verificationUri, emulator().entra.deviceLoginUrl);

    const inContoso = await userSignIn.credential(contoso).getToken(scopeFor(cloud.acrAudience));
    const inFabrikam = await userSignIn.credential(fabrikam).getToken(scopeFor(cloud.armAudience));
    assert.equal(decodeClaims(inContoso!.token).tid, contoso);
    assert.equal(decodeClaims(inFabrikam!.token).tid, fabrikam);
    assert.equal(decodeClaims(inFabrikam!.token).aud, cloud.armAudience.replace(/\/$/, ''));
    assert.equal(await entraRequests(/devicecode$/), 1, 'one device code request in all');
  });

  it('a new window (a new UserSignIn over the same secret storage) gets tokens without asking; signing out forgets them', async () => {
    const secrets = new Secrets();
    await signInWithDeviceCode(new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, secrets));
    const reloaded = new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, secrets);
    const token = await reloaded.credential(fabrikam).getToken(scopeFor(cloud.acrAudience));
    assert.equal(decodeClaims(token!.token).tid, fabrikam);
    assert.equal(await entraRequests(/devicecode$/), 1);

    await reloaded.signOut();
    assert.equal(secrets.values.size, 0, 'no account or token left in secret storage');
    await assert.rejects(new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, secrets).credential(contoso).getToken(scopeFor(cloud.acrAudience)), SignInRequiredError);
  });

  it('a sign-in with another method or tenant does not reuse the account: it needs its own sign-in', async () => {
    const secrets = new Secrets();
    await signInWithDeviceCode(new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, secrets));
    const other = new UserSignIn({ kind: 'interactiveBrowser', tenant: contoso }, cloud, secrets);
    await assert.rejects(other.credential(contoso).getToken(scopeFor(cloud.acrAudience)), SignInRequiredError);
  });

  it('when Entra refuses the silent refresh (interaction_required), a renewal exchange fails as needing alice, and nothing asks the user', async () => {
    await emulator().client.setLifetimes({ entraSeconds: 120 });
    try {
      const userSignIn = new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, new Secrets());
      await signInWithDeviceCode(userSignIn);
      await emulator().client.addFault({
        server: 'entra',
        path: '/oauth2/v2.0/token$',
        mode: 'status',
        status: 400,
        body: { error: 'interaction_required', error_description: 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.', error_codes: [50076] },
      });
      await emulator().client.clearLog();
      const loginServer = emulator().loginServer('contosoapps');
      const client = new AcrTokenClient({ credential: userSignIn.credential(contoso), trust: { cloud, armLoginServers: [loginServer] } });
      const error = await client.refreshToken({ loginServer }).then(
        () => assert.fail('the exchange succeeded'),
        (rejection: unknown) => rejection,
      );
      const advice = adviceFor(error);
      assert.equal(advice.needsUser, true);
      assert.equal(advice.nextStep, 'signIn');
      assert.match(advice.message, /alice@contoso\.example.*sign in again.*interaction_required.*Sign In Again/);
      assert.equal(await entraRequests(/devicecode$/), 0, 'no device code requested');
      assert.equal(await entraRequests(/authorize$/), 0, 'no sign-in page requested');
      assert.equal(await entraRequests(/token$/), 1, 'one silent refresh was tried');
    } finally {
      await emulator().client.setLifetimes({ entraSeconds: 3600 });
    }
  });

  it("a tenant whose conditional access wants MFA needs the person once more, for that tenant; the sign-in's other tenants keep working", async () => {
    const userSignIn = new UserSignIn({ kind: 'deviceCode', tenant: 'organizations' }, cloud, new Secrets());
    await signInWithDeviceCode(userSignIn);
    await assert.rejects(userSignIn.credential(northwind.id).getToken(scopeFor(cloud.armAudience)), (error: Error) => error instanceof SignInRequiredError && /interaction_required/.test(error.message));
    await signInWithDeviceCode(userSignIn, undefined, northwind.id);
    const inNorthwind = await userSignIn.credential(northwind.id).getToken(scopeFor(cloud.armAudience));
    assert.equal(decodeClaims(inNorthwind!.token).tid, northwind.id);
    const inContoso = await userSignIn.credential(contoso).getToken(scopeFor(cloud.acrAudience));
    assert.equal(decodeClaims(inContoso!.token).tid, contoso);
    assert.equal(await entraRequests(/devicecode$/), 2, 'the sign-in, and the one for Northwind');
  });

  it('listing subscriptions, the tenant that wants MFA fails on its own: the other tenants are listed, it is named with why', async () => {
    const userSignIn = new UserSignIn({ kind: 'deviceCode', tenant: 'organizations' }, cloud, new Secrets());
    await signInWithDeviceCode(userSignIn);
    const { subscriptions, failedTenants } = await listTenantSubscriptions((tenantId) => userSignIn.credential(tenantId), cloud);
    assert.deepEqual(subscriptions.map((subscription) => subscription.name).sort(), ['Contoso Dev', 'Fabrikam Prod']);
    assert.deepEqual(failedTenants.map((failure) => failure.tenantId), [northwind.id]);
    assert.equal(adviceFor(failedTenants[0].error).nextStep, 'signIn');
  });

  it('cancelling a device code sign-in ends it at once as cancelled', async () => {
    const userSignIn = new UserSignIn({ kind: 'deviceCode', tenant: contoso }, cloud, new Secrets());
    const controller = new AbortController();
    const shown: DeviceCodePrompt[] = [];
    const signIn = userSignIn.signIn({ ...neverPrompt, showDeviceCode: (prompt) => shown.push(prompt) }, controller.signal);
    await eventually('the code shown', () => Promise.resolve(shown[0]), 15_000, 20);
    controller.abort();
    await assert.rejects(signIn, { name: 'AbortError', message: 'Sign-in was cancelled.' });
    await assert.rejects(userSignIn.credential(contoso).getToken(scopeFor(cloud.acrAudience)), SignInRequiredError, 'a cancelled sign-in leaves no account');
  });

  describe('in the browser, with headless Chromium standing in for the person', () => {
    let browser: Browser;

    before(async () => {
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
    });

    /** What the person does on the emulator's sign-in page: pick Alice and sign in. */
    async function signInAsAlice(url: string): Promise<Page> {
      // The person's browser would trust the emulator's CA; this throw-away profile is told to accept it.
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(url);
      await page.getByRole('combobox').selectOption({ label: 'Alice Example (alice@contoso.example)' });
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    }

    it('opens one page through the prompts; once alice signs in there, tokens for another tenant come without a second page', async () => {
      const opened: string[] = [];
      let page: Page | undefined;
      const userSignIn = new UserSignIn({ kind: 'interactiveBrowser', tenant: contoso }, cloud, new Secrets());
      const username = await userSignIn.signIn(
        {
          ...neverPrompt,
          openBrowser: async (url) => {
            opened.push(url);
            page = await signInAsAlice(url);
          },
        },
        new AbortController().signal,
      );
      assert.equal(username, 'alice@contoso.example');
      const authorize = new URL(opened[0]);
      assert.equal(`${authorize.origin}${authorize.pathname}`, `${cloud.authorityHost}/${contoso}/oauth2/v2.0/authorize`);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+\/?$/);
      await page?.getByText('Signed in. You can close this page and return to VS Code.').waitFor();
      await page?.context().close();

      const token = await userSignIn.credential(fabrikam).getToken(scopeFor(cloud.acrAudience));
      assert.equal(decodeClaims(token!.token).tid, fabrikam);
      assert.equal(opened.length, 1, 'one page opened');
      assert.equal(await entraRequests(/authorize$/), 2, 'the page, and the form posted on it: one sign-in');
    });

    it('cancelling while the page is open rejects with AbortError and closes the loopback port', async () => {
      const controller = new AbortController();
      let redirectUri = '';
      const userSignIn = new UserSignIn({ kind: 'interactiveBrowser', tenant: contoso }, cloud, new Secrets());
      const prompts: SignInPrompts = {
        ...neverPrompt,
        openBrowser: (url) => {
          redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
          setTimeout(() => controller.abort(), 200);
          return Promise.resolve();
        },
      };
      await assert.rejects(userSignIn.signIn(prompts, controller.signal), { name: 'AbortError', message: 'Sign-in was cancelled.' });
      assert.match(redirectUri, /^http:\/\/localhost:\d+/);
      await assert.rejects(fetch(redirectUri), 'nothing listens on the loopback port any more');
    });
  });
});
