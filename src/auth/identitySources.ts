import type { TokenCredential } from '@azure/core-auth';
import type { HttpHeaders, PipelinePolicy } from '@azure/core-rest-pipeline';
import * as l10n from '@vscode/l10n';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { retryAfterSeconds } from '../acr/http';
import type { AzureCloud } from '../azure/clouds';
import type { ActionableFailure } from '../actionableFailure';

/**
 * How to sign in with @azure/identity. It is stored in VS Code's Memento, so it never holds a secret:
 * a service principal's client secret comes from `SignInHooks.getSecret` at sign-in time.
 */
export type IdentitySource =
  | { readonly kind: 'deviceCode'; readonly tenant: string; readonly clientId?: string }
  | { readonly kind: 'interactiveBrowser'; readonly tenant: string; readonly clientId?: string }
  | { readonly kind: 'azureCli'; readonly tenant?: string }
  | { readonly kind: 'managedIdentity'; readonly clientId?: string }
  | { readonly kind: 'clientSecret'; readonly tenant: string; readonly clientId: string }
  | { readonly kind: 'clientCertificate'; readonly tenant: string; readonly clientId: string; readonly certificatePath: string }
  /** Missing fields come from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE. */
  | { readonly kind: 'workloadIdentity'; readonly tenant?: string; readonly clientId?: string; readonly tokenFilePath?: string };

export type IdentitySourceKind = IdentitySource['kind'];

/** What the UI supplies at sign-in time; none of it is stored. */
export interface SignInHooks {
  /** The service principal's client secret, from SecretStorage. */
  readonly getSecret?: () => Promise<string | undefined>;
}

/**
 * A sign-in description or its files are unusable; the message says what to fix. The description is chosen in
 * ACR: Sign In (it is not a setting), so signing in again, choosing the method afresh, is the way out.
 */
export class IdentitySourceError extends Error implements ActionableFailure {
  override readonly name = 'IdentitySourceError';
  readonly needsUser = true;
  readonly nextStep = 'signIn';
  readonly failureKind = 'auth.signInMethod';
}

interface FieldRules {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

const fieldsByKind: Record<IdentitySourceKind, FieldRules> = {
  deviceCode: { required: ['tenant'], optional: ['clientId'] },
  interactiveBrowser: { required: ['tenant'], optional: ['clientId'] },
  azureCli: { required: [], optional: ['tenant'] },
  managedIdentity: { required: [], optional: ['clientId'] },
  clientSecret: { required: ['tenant', 'clientId'], optional: [] },
  clientCertificate: { required: ['tenant', 'clientId', 'certificatePath'], optional: [] },
  workloadIdentity: { required: [], optional: ['tenant', 'clientId', 'tokenFilePath'] },
};

const kinds = Object.keys(fieldsByKind) as IdentitySourceKind[];

/** Kinds where a person signs in, so a multi-tenant authority is fine. */
const userSignInKinds: ReadonlySet<IdentitySourceKind> = new Set(['deviceCode', 'interactiveBrowser']);

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const domainPattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const secretLikeField = /secret|password|credential|assertion|privatekey|^token$|accesstoken|refreshtoken/i;

/**
 * Checks a stored or typed sign-in description and returns it as an IdentitySource. Field values are
 * never quoted in errors, in case someone pasted a secret into the wrong field.
 */
export function parseIdentitySource(value: unknown): IdentitySource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IdentitySourceError(l10n.t('The sign-in description must be an object with a "kind" field. Choose the sign-in method again.'));
  }
  const fields = value as Record<string, unknown>;
  const kind = fields.kind;
  if (typeof kind !== 'string' || !(kinds as string[]).includes(kind)) {
    throw new IdentitySourceError(l10n.t('The sign-in method is missing or unknown. Use one of: {0}.', kinds.join(', ')));
  }
  const rules = fieldsByKind[kind as IdentitySourceKind];
  for (const name of Object.keys(fields)) {
    if (name === 'kind' || rules.required.includes(name) || rules.optional.includes(name)) continue;
    if (secretLikeField.test(name)) {
      throw new IdentitySourceError(
        l10n.t('The sign-in description must not hold a secret ("{0}"). Remove it; the secret is kept in VS Code\'s secret storage and asked for at sign-in.', name),
      );
    }
    throw new IdentitySourceError(l10n.t('"{0}" is not a field of the {1} sign-in method (it takes {2}). Remove it.', name, kind, describeFields(rules)));
  }
  for (const name of rules.required) {
    if (fields[name] === undefined || fields[name] === '') throw new IdentitySourceError(`${l10n.t('The {0} sign-in method needs "{1}".', kind, name)} ${hintFor(name)}`);
  }
  for (const name of [...rules.required, ...rules.optional]) {
    if (fields[name] !== undefined) checkField(kind as IdentitySourceKind, name, fields[name]);
  }
  return { ...fields } as IdentitySource;
}

function describeFields(rules: FieldRules): string {
  const names = [...rules.required, ...rules.optional.map((name) => l10n.t('{0} (optional)', name))];
  return names.length ? names.join(', ') : l10n.t('no other fields');
}

function hintFor(name: string): string {
  switch (name) {
    case 'tenant':
      return l10n.t('Enter the directory (tenant) ID, a GUID shown in the Azure portal under Microsoft Entra ID > Overview, or a domain such as contoso.onmicrosoft.com.');
    case 'clientId':
      return l10n.t("Enter the application (client) ID, a GUID shown on the app registration's or managed identity's Overview page.");
    case 'certificatePath':
      return l10n.t('Enter the absolute path of a PEM file that holds the certificate and its private key.');
    default:
      return l10n.t('Enter the absolute path of the federated token file (what AZURE_FEDERATED_TOKEN_FILE names).');
  }
}

/** `organizations` and `common` stand for the account's home tenant, whichever it is. */
export function isMultiTenant(tenant: string): boolean {
  return tenant === 'organizations' || tenant === 'common';
}

function checkField(kind: IdentitySourceKind, name: string, value: unknown): void {
  const bad = (problem: string): never => {
    throw new IdentitySourceError(`${problem} ${hintFor(name)}`);
  };
  if (typeof value !== 'string') bad(l10n.t('The "{0}" of the {1} sign-in method is not text.', name, kind));
  const text = value as string;
  if (name === 'tenant') {
    const multiTenant = isMultiTenant(text);
    if (multiTenant && !userSignInKinds.has(kind)) bad(l10n.t('The "{0}" of the {1} sign-in method cannot be "{2}": this method signs in to one tenant.', name, kind, text));
    if (!multiTenant && !guidPattern.test(text) && !domainPattern.test(text)) bad(l10n.t('The "{0}" of the {1} sign-in method is neither a GUID nor a domain name.', name, kind));
  } else if (name === 'clientId') {
    if (!guidPattern.test(text)) bad(l10n.t('The "{0}" of the {1} sign-in method is not a GUID.', name, kind));
  } else if (!isAbsolute(text)) {
    bad(l10n.t('The "{0}" of the {1} sign-in method is not an absolute path.', name, kind));
  }
}

/**
 * Turns the description of a sign-in without a person (the Azure CLI's, a managed identity, a service principal)
 * into a credential for the given cloud. @azure/identity is loaded only here. Files named by the description are
 * checked before any request is made.
 */
export async function createIdentityCredential(description: unknown, cloud: AzureCloud, hooks: SignInHooks = {}): Promise<TokenCredential> {
  const source = parseIdentitySource(description);
  const identity = await import('@azure/identity');
  const cloudOptions = {
    authorityHost: cloud.authorityHost,
    // Instance discovery asks the public cloud about the authority; a custom cloud's authority must be taken as given.
    disableInstanceDiscovery: cloud.name === 'custom',
    additionalPolicies: [{ policy: noLongEntraWaits, position: 'perRetry' as const }],
  };
  switch (source.kind) {
    case 'deviceCode':
    case 'interactiveBrowser':
      throw new IdentitySourceError(l10n.t('The {0} sign-in is made by ACR: Sign In, not by a credential.', source.kind));
    case 'azureCli':
      // az signs in to whatever cloud `az cloud set` chose; the authority host is only carried along.
      return new identity.AzureCliCredential({ ...cloudOptions, tenantId: source.tenant });
    case 'managedIdentity':
      // The token comes from the machine's identity endpoint (IMDS, or IDENTITY_ENDPOINT on App Service and Arc).
      return source.clientId ? new identity.ManagedIdentityCredential({ ...cloudOptions, clientId: source.clientId }) : new identity.ManagedIdentityCredential(cloudOptions);
    case 'clientSecret': {
      const secret = await hooks.getSecret?.();
      if (!secret) {
        throw new IdentitySourceError(l10n.t('No client secret is stored for the service principal {0}. Sign in with this service principal again and enter its secret.', source.clientId));
      }
      return new identity.ClientSecretCredential(source.tenant, source.clientId, secret, cloudOptions);
    }
    case 'clientCertificate':
      await checkCertificateFile(source.certificatePath);
      return new identity.ClientCertificateCredential(source.tenant, source.clientId, { certificatePath: source.certificatePath }, cloudOptions);
    case 'workloadIdentity': {
      const resolved = await resolveWorkloadIdentity(source);
      return new identity.WorkloadIdentityCredential({ ...cloudOptions, ...resolved });
    }
  }
}

/** The longest wait a throttled or busy Entra may ask for (Retry-After) that a sign-in waits out. */
const longestEntraWaitMs = 5_000;

/**
 * The Azure SDK's pipeline waits out whatever Retry-After Entra sends, up to three times, while a token request
 * is given 30 s: a longer wait would end as "Entra did not answer". Without the header, Entra's 429 or 503
 * reaches MSAL at once and is advised as Entra being unavailable for now, which renewals retry later.
 */
const noLongEntraWaits: PipelinePolicy = {
  name: 'acrAccessNoLongEntraWaits',
  async sendRequest(request, next) {
    const response = await next(request);
    if (retryAfterMs(response.headers) > longestEntraWaitMs) for (const header of ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms']) response.headers.delete(header);
    return response;
  },
};

/** The wait asked for in milliseconds: Retry-After, or the Azure-specific headers that give milliseconds. */
function retryAfterMs(headers: HttpHeaders): number {
  const milliseconds = headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms');
  if (milliseconds !== undefined) return Number(milliseconds);
  const retryAfter = headers.get('retry-after');
  return retryAfter === undefined ? 0 : retryAfterSeconds(retryAfter) * 1000;
}

/** `file` names the file for the user, e.g. "The certificate file /path/cert.pem". */
async function readText(path: string, file: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new IdentitySourceError(l10n.t('{0} does not exist. Check the path in the sign-in settings.', file));
    if (code === 'EACCES') throw new IdentitySourceError(l10n.t('{0} cannot be read (permission denied). Check the path in the sign-in settings.', file));
    throw new IdentitySourceError(l10n.t('{0} cannot be read ({1}). Check the path in the sign-in settings.', file, code ?? l10n.t('unknown error')));
  }
}

async function checkCertificateFile(path: string): Promise<void> {
  const pem = await readText(path, l10n.t('The certificate file {0}', path));
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new IdentitySourceError(l10n.t('The certificate file {0} holds no PEM certificate. Use a PEM file (not PFX) with the certificate and its private key.', path));
  }
  if (!/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new IdentitySourceError(l10n.t('The certificate file {0} holds no private key. Put the certificate and its private key in one PEM file.', path));
  }
}

async function resolveWorkloadIdentity(source: Extract<IdentitySource, { kind: 'workloadIdentity' }>): Promise<{ tenantId: string; clientId: string; tokenFilePath: string }> {
  const fromEnvironment = {
    kind: source.kind,
    tenant: source.tenant ?? process.env.AZURE_TENANT_ID,
    clientId: source.clientId ?? process.env.AZURE_CLIENT_ID,
    tokenFilePath: source.tokenFilePath ?? process.env.AZURE_FEDERATED_TOKEN_FILE,
  };
  const variables = { tenant: 'AZURE_TENANT_ID', clientId: 'AZURE_CLIENT_ID', tokenFilePath: 'AZURE_FEDERATED_TOKEN_FILE' } as const;
  const missing = (Object.keys(variables) as (keyof typeof variables)[]).filter((name) => !fromEnvironment[name]);
  if (missing.length) {
    throw new IdentitySourceError(
      l10n.t(
        'Workload identity needs {0}: set them in the sign-in settings, or set {1} in the environment VS Code starts from.',
        missing.map((name) => `"${name}"`).join(', '),
        missing.map((name) => variables[name]).join(', '),
      ),
    );
  }
  const checked = parseIdentitySource(fromEnvironment) as Required<typeof source>;
  if (!(await readText(checked.tokenFilePath, l10n.t('The federated token file {0}', checked.tokenFilePath))).trim()) {
    throw new IdentitySourceError(l10n.t('The federated token file {0} is empty. Check that the service account token is projected there.', checked.tokenFilePath));
  }
  return { tenantId: checked.tenant, clientId: checked.clientId, tokenFilePath: checked.tokenFilePath };
}
