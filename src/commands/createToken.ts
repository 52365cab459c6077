import * as vscode from 'vscode';
import { describeLimits, registryLimits, scopeMapNameProblem, tokenNameProblem } from '../azure/tokenRules';
import { RegistryNode, TokensNode } from '../tree/nodes';
import { Services } from './services';
import { ask, askPasswordExpiry, askScopeMapActions, tokenRegistry, withTokenProgress } from './tokenForms';
import { showTokenPassword } from './tokenPasswordPanel';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

/**
 * Create Token...: a token with a new scope map (repositories x permissions) or an existing one, and its
 * password1, shown once in the password panel. The registry's limits are named before the first question,
 * and every answer is checked as it is typed, before anything is sent.
 */
export async function createToken(services: Services, node?: RegistryNode | TokensNode): Promise<void> {
  const title = vscode.l10n.t('Create Token');
  const target = await tokenRegistry(services, node, title);
  if (!target) return;
  const { registry, tokens } = target;
  const { writeTokens, writeScopeMaps, generateCredentials } = registryActions;
  await checkArmChange(services, tokens.registry, vscode.l10n.t('Creating tokens in registry {0}', tokens.registry.name), [writeTokens, writeScopeMaps, generateCredentials]);
  const [existingTokens, scopeMaps] = await withTokenProgress(vscode.l10n.t('Reading the tokens of {0}', registry.loginServer), (signal) =>
    Promise.all([tokens.listTokens(signal), tokens.listScopeMaps(signal)]),
  );
  const limits = registryLimits(registry.summary?.sku ?? '');
  const userMaps = scopeMaps.filter((map) => !map.builtIn);
  const limitsText = limits ? describeLimits(limits, { tokens: existingTokens.length, scopeMaps: userMaps.length }) : '';
  if (limits && existingTokens.length >= limits.tokens) {
    throw new Error(vscode.l10n.t('{0} already has {1} tokens, the most a {2} registry may have. Delete one first.', registry.loginServer, existingTokens.length, limits.sku));
  }

  const tokenName = await ask(title, [vscode.l10n.t('Token name (it is the user name for docker login).'), limitsText].filter(Boolean).join(' '), {
    placeHolder: 'ci-pull',
    validate: (name) => tokenNameProblem(name) ?? (existingTokens.some((token) => token.name === name) ? vscode.l10n.t('{0} already has a token named {1}.', registry.loginServer, name) : undefined),
  });
  if (!tokenName) return;

  const newMap = { label: `$(add) ${vscode.l10n.t('New scope map...')}`, description: vscode.l10n.t('choose repositories and permissions'), name: undefined };
  const mapFull = limits !== undefined && userMaps.length >= limits.scopeMaps;
  const picked = await vscode.window.showQuickPick(
    [
      ...(mapFull ? [] : [newMap]),
      ...scopeMaps.map((map) => ({ label: map.name, description: map.builtIn ? vscode.l10n.t('built-in') : map.description, detail: map.actions.join(', '), name: map.name })),
    ],
    { title, placeHolder: mapFull ? vscode.l10n.t('The registry has as many scope maps as its SKU allows: pick one') : vscode.l10n.t('Scope map: what the token may reach'), ignoreFocusOut: true },
  );
  if (!picked) return;

  let scopeMap = picked.name;
  let actions: string[] | undefined;
  if (scopeMap === undefined) {
    actions = await askScopeMapActions(title, limits);
    if (!actions) return;
    scopeMap = await ask(title, vscode.l10n.t('Name of the new scope map.'), {
      value: `${tokenName}-scope`,
      validate: (name) => scopeMapNameProblem(name) ?? (scopeMaps.some((map) => map.name === name) ? vscode.l10n.t('{0} already has a scope map named {1}.', registry.loginServer, name) : undefined),
    });
    if (!scopeMap) return;
  }
  const expiry = await askPasswordExpiry(title);
  if (!expiry) return;

  const mapName = scopeMap;
  const password = await withTokenProgress(vscode.l10n.t('Creating token {0} on {1}', tokenName, registry.loginServer), async (signal) => {
    if (actions) await tokens.putScopeMap(mapName, actions, vscode.l10n.t('Made for token {0}', tokenName), signal);
    await tokens.createToken(tokenName, mapName, signal);
    return tokens.generatePassword(tokenName, 'password1', expiry.expiry, signal);
  });
  services.log.info(`Created token ${tokenName} with scope map ${mapName} on ${registry.loginServer}`);
  services.tree.refreshAccessGroups(registry);
  const map = scopeMaps.find((candidate) => candidate.name === mapName);
  showTokenPassword(services, registry, password, actions ?? map?.actions ?? []);
}
