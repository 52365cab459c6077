import * as l10n from '@vscode/l10n';
import { curl, otherShell, pipeSecret, readSecretInto, Shell, shellLabel, variableInQuotes } from '../docker/shell';
import { AccessTokenClaims } from './jwt';
import { acrTokenUsername } from './tokenClient';

export interface AccessTokenGuideInput {
  readonly loginServer: string;
  /** What the user asked for, to point out what the registry did not grant. */
  readonly requested: { readonly repositories: readonly string[]; readonly actions: readonly string[] };
  /** Decoded from the token itself: what it really grants, and until when. */
  readonly claims: AccessTokenClaims;
  /** The time in the user's language. */
  readonly formatTime: (epochMs: number) => string;
  /** The user's shell: its commands come first, the other shell's folded below. */
  readonly shell: Shell;
}

/** The variable the token is read into. */
const tokenVariable = 'ACR_ACCESS_TOKEN';

/** Actions granted per repository by the token's `access` claim. */
export function grantedByRepository(claims: AccessTokenClaims): Map<string, string[]> {
  const granted = new Map<string, string[]>();
  for (const entry of claims.access) {
    if (entry.type !== 'repository') continue;
    granted.set(entry.name, [...new Set([...(granted.get(entry.name) ?? []), ...entry.actions])]);
  }
  return granted;
}

/** Requested actions the token does not carry, per repository (the account lacks those rights). */
export function notGranted(input: Pick<AccessTokenGuideInput, 'requested' | 'claims'>): Map<string, string[]> {
  const granted = grantedByRepository(input.claims);
  const missing = new Map<string, string[]>();
  for (const repository of input.requested.repositories) {
    const has = granted.get(repository) ?? [];
    const lacking = input.requested.actions.filter((action) => !has.includes(action) && !has.includes('*'));
    if (lacking.length > 0) missing.set(repository, lacking);
  }
  return missing;
}

/**
 * The read-only document shown for a new access token: what it grants (from its own claims), when it expires,
 * and how to use it. The token's text is never part of it: the user copies the token with a button.
 */
export function accessTokenGuide(input: AccessTokenGuideInput): string {
  const { loginServer, claims, formatTime } = input;
  const granted = grantedByRepository(claims);
  const missing = notGranted(input);
  const lifetimeMinutes = claims.issuedAt === undefined ? undefined : Math.round((claims.expiresOn - claims.issuedAt) / 60_000);
  const lines: string[] = [];
  lines.push(`# ${l10n.t('Access token for {0}', loginServer)}`, '');
  lines.push(
    lifetimeMinutes === undefined
      ? l10n.t('This is an **access token**: it works until {0}, only for the repositories and actions below, and cannot be renewed.', formatTime(claims.expiresOn))
      : lifetimeMinutes === 1
        ? l10n.t('This is an **access token**: it works for 1 minute, until {0}, only for the repositories and actions below, and cannot be renewed.', formatTime(claims.expiresOn))
        : l10n.t('This is an **access token**: it works for {0} minutes, until {1}, only for the repositories and actions below, and cannot be renewed.', lifetimeMinutes, formatTime(claims.expiresOn)),
    l10n.t('It is not a refresh token (those last hours and get new access tokens): when this one expires, create a new one.'),
    '',
    l10n.t('The token is not shown here. **Copy Access Token** (the copy button at the top of this editor) puts it on the clipboard; treat it as a password until it expires.'),
    '',
  );

  lines.push(`## ${l10n.t('What it grants')}`, '', l10n.t("Read from the token's own `access` claim:"), '');
  if (granted.size === 0) {
    lines.push(l10n.t('**Nothing.** The registry granted none of the actions asked for: your account has no such rights on these repositories.'), '');
  } else {
    lines.push(`| ${l10n.t('Repository')} | ${l10n.t('Actions')} |`, '| --- | --- |');
    for (const [repository, actions] of granted) lines.push(`| \`${repository}\` | ${actions.length > 0 ? actions.join(', ') : l10n.t('none')} |`);
    lines.push('');
  }
  for (const [repository, actions] of missing) {
    lines.push(l10n.t('Asked for but not granted on `{0}`: {1}. Your account lacks that right on the registry.', repository, actions.join(', ')), '');
  }

  const pullable = [...granted].find(([, actions]) => actions.includes('pull') || actions.includes('*'))?.[0];
  const other = otherShell(input.shell);
  lines.push(`## ${l10n.t('How to use it')}`, '', ...usage(input.shell, loginServer, pullable));
  // The other shell's form, one click away (a Markdown preview renders <details> as a fold).
  lines.push('<details>', `<summary>${l10n.t('In {0}', shellLabel(other).name)}</summary>`, '', ...usage(other, loginServer, pullable), '</details>', '');
  lines.push(l10n.t('Those logins reach only what the table above lists, and stop working when the token expires.'), '');
  return lines.join('\n');
}

/** How to use the token, in one shell's commands. */
function usage(shell: Shell, loginServer: string, pullable: string | undefined): string[] {
  const fence = '```' + shellLabel(shell).fence;
  const bearer = `"Authorization: Bearer ${variableInQuotes(shell, tokenVariable)}"`;
  const login = (tool: string) => pipeSecret(shell, tokenVariable, `${tool} ${loginServer} --username ${acrTokenUsername} --password-stdin`);
  return [
    l10n.t('Keep the token out of command lines and shell history: read it into a variable (paste it, then press Enter).'),
    '',
    fence,
    readSecretInto(shell, tokenVariable),
    '```',
    '',
    l10n.t('Call the registry API with it as a Bearer token:'),
    '',
    fence,
    `${curl(shell)} -H ${bearer} https://${loginServer}/v2/`,
    ...(pullable ? [`${curl(shell)} -H ${bearer} https://${loginServer}/v2/${pullable}/tags/list`] : []),
    '```',
    '',
    l10n.t('Log in Docker, ORAS or Helm with the user name {0}, which says the password is an ACR token, and the token on standard input:', acrTokenUsername),
    '',
    fence,
    login('docker login'),
    login('oras login'),
    login('helm registry login'),
    '```',
    '',
  ];
}
