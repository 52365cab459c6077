import * as vscode from 'vscode';
import { normalizeServerAddress, serverAddressProblem } from '../docker/references';
import { RegistrySummary } from '../azure/registries';
import { errorMessage } from '../failures';

/** A registry to log in to: one ARM listed, or a login server the user typed. */
export interface RegistryChoice {
  readonly loginServer: string;
  readonly registry?: RegistrySummary;
}

export interface RegistryListing {
  readonly registries: RegistrySummary[];
  /** Each tenant or subscription that could not be listed, with a few words on why ("Northwind: sign-in needed"). */
  readonly notListed: string[];
}

interface RegistryItem extends vscode.QuickPickItem {
  readonly choice?: RegistryChoice;
}

/**
 * A multi-select quick pick of the registries ARM lists (shown at once and filled in as they load), which
 * also takes a typed login server, validated as you type. Undefined when cancelled.
 */
export async function pickRegistries(title: string, load: (signal: AbortSignal) => Promise<RegistryListing>): Promise<RegistryChoice[] | undefined> {
  const quickPick = vscode.window.createQuickPick<RegistryItem>();
  quickPick.title = title;
  quickPick.placeholder = vscode.l10n.t('Pick registries, or type a login server such as myregistry.azurecr.io');
  quickPick.canSelectMany = true;
  quickPick.ignoreFocusOut = true;
  quickPick.busy = true;
  const loading = new AbortController();
  let listed: RegistryItem[] = [];
  /** The typed login server's item shown, by its label, so that items are replaced only when it changes. */
  let shownTyped: string | undefined;

  const refreshItems = (): void => {
    const typed = normalizeServerAddress(quickPick.value);
    const typedItems: RegistryItem[] = [];
    if (typed.includes('.') && !listed.some((item) => item.choice?.loginServer === typed)) {
      const problem = serverAddressProblem(typed);
      typedItems.push(
        problem
          ? { label: `$(error) ${typed}`, detail: problem, alwaysShow: true }
          : { label: `$(add) ${typed}`, detail: vscode.l10n.t('Log in to this login server'), alwaysShow: true, choice: { loginServer: typed } },
      );
    }
    // Replacing the items moves the highlight back to the first row: a keystroke that changes nothing shown must
    // not take it from a row the user has just moved to (typing ahead of a busy window, then Down).
    const typedLabel = typedItems[0]?.label;
    if (typedLabel === shownTyped && quickPick.items.length === typedItems.length + listed.length) return;
    shownTyped = typedLabel;
    quickPick.items = [...typedItems, ...listed];
    // A multi-select pick highlights nothing by itself: the typed login server is, so that Enter takes it.
    if (typedItems.length > 0) quickPick.activeItems = typedItems;
    quickPick.selectedItems = quickPick.selectedItems.filter((item) => quickPick.items.includes(item));
  };

  void load(loading.signal).then(
    ({ registries, notListed }) => {
      listed = registries.map((registry) => ({
        label: registry.name,
        description: registry.loginServer,
        detail: registry.subscription.name,
        choice: { loginServer: registry.loginServer, registry },
      }));
      // The placeholder is cut off at about 80 characters: the rest goes in the title.
      if (registries.length === 0) {
        quickPick.placeholder = vscode.l10n.t('No registries found. Type a login server.');
        quickPick.title = vscode.l10n.t('{0}: this account lists no registries; type a login server, such as myregistry.azurecr.io', title);
      }
      // One line on what could not be listed, and why (the log has the whole message); what could be is listed.
      if (notListed.length > 0) quickPick.title = vscode.l10n.t('{0} (not listed: {1})', title, notListed.join('; '));
      quickPick.busy = false;
      refreshItems();
    },
    (error: unknown) => {
      quickPick.busy = false;
      if (loading.signal.aborted) return;
      quickPick.placeholder = vscode.l10n.t('Could not list registries: {0} Type a login server instead.', errorMessage(error));
    },
  );

  try {
    return await new Promise<RegistryChoice[] | undefined>((resolve) => {
      quickPick.onDidChangeValue(refreshItems);
      quickPick.onDidAccept(() => {
        // Enter with nothing checked takes the highlighted item, such as a typed login server.
        const picked = quickPick.selectedItems.length > 0 ? quickPick.selectedItems : quickPick.activeItems;
        const chosen = picked.flatMap((item) => (item.choice ? [item.choice] : []));
        if (chosen.length > 0) resolve(chosen);
      });
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
    });
  } finally {
    loading.abort();
    quickPick.dispose();
  }
}
