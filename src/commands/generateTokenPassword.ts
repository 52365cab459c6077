import * as vscode from 'vscode';
import { TokenPasswordName } from '../azure/tokens';
import { TokenNode } from '../tree/nodes';
import { Services } from './services';
import { askPasswordExpiry, tokenRegistry, withTokenProgress } from './tokenForms';
import { showTokenPassword } from './tokenPasswordPanel';
import { registryActions } from '../azure/permissions';
import { checkArmChange } from './permissionChecks';

/** Generate Token Password...: a new password1 or password2 (the other keeps working), shown once in the password panel. */
export async function generateTokenPassword(services: Services, node: TokenNode): Promise<void> {
  const title = vscode.l10n.t('Generate Password');
  const target = await tokenRegistry(services, node.parent.parent, title);
  if (!target) return;
  await checkArmChange(services, target.tokens.registry, vscode.l10n.t('Generating token passwords in registry {0}', target.tokens.registry.name), [registryActions.generateCredentials]);
  const { token } = node;
  const slots: TokenPasswordName[] = ['password1', 'password2'];
  const picked = await vscode.window.showQuickPick(
    slots.map((slot) => {
      const current = token.passwords.find((password) => password.name === slot);
      const description = !current
        ? vscode.l10n.t('not in use')
        : current.expiry === undefined
          ? vscode.l10n.t('in use, no expiry: it stops working')
          : vscode.l10n.t('in use, expires {0}: it stops working', new Date(current.expiry).toLocaleDateString(vscode.env.language));
      return { label: slot, description, slot, inUse: current !== undefined };
    }),
    { title, placeHolder: vscode.l10n.t('Which password of {0}? The other one keeps working.', token.name), ignoreFocusOut: true },
  );
  if (!picked) return;
  if (picked.inUse) {
    const replace = vscode.l10n.t('Replace {0}', picked.slot);
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Replace {0} of token {1}?', picked.slot, token.name),
      { modal: true, detail: vscode.l10n.t('Whatever uses the current {0} stops working.', picked.slot) },
      replace,
    );
    if (choice !== replace) return;
  }
  const expiry = await askPasswordExpiry(title);
  if (!expiry) return;
  const password = await withTokenProgress(vscode.l10n.t('Generating {0} of token {1}', picked.slot, token.name), (signal) =>
    target.tokens.generatePassword(token.name, picked.slot, expiry.expiry, signal),
  );
  services.log.info(`Generated ${picked.slot} of token ${token.name} on ${target.registry.loginServer}`);
  services.tree.refreshAccessGroups(target.registry);
  const scopeMap = target.registry.scopeMapsGroup?.children?.find((child) => child.kind === 'scopeMap' && child.scopeMap.name === token.scopeMap);
  showTokenPassword(services, target.registry, password, scopeMap?.kind === 'scopeMap' ? scopeMap.scopeMap.actions : []);
}
