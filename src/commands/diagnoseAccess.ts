import * as vscode from 'vscode';
import { abortSignalFor } from '../cancellation';
import { checkTitle, type RenewalSummary } from '../diagnosis/diagnosis';
import { diagnose } from '../diagnosis/diagnose';
import { diagnosisMarkdown } from '../diagnosis/report';
import { processEngineEnvironment } from '../docker/engine';
import { errorMessage } from '../failures';
import { enginePreference } from '../settings';
import type { RegistryStatus } from '../status/refreshScheduler';
import { ErrorNode, failureTarget, RegistryNode } from '../tree/nodes';
import { pickTreeRegistry } from './pickTreeRegistry';
import { Services } from './services';

/** What the renewal schedule knows of a registry, for check 11. */
function renewalSummary(status: RegistryStatus): RenewalSummary {
  const { health, login } = status;
  const failure = health.kind === 'retrying' || health.kind === 'needsUser' ? errorMessage(health.error) : undefined;
  return { loggedInAt: login.loggedInAt, expiresOn: login.expiresOn, nextAt: health.kind === 'retrying' ? health.retryAt : status.dueAt, lastFailure: failure };
}

/**
 * ACR: Diagnose Access... Runs the checks of src/diagnosis/ on a registry (picked, from its tree item, or the one
 * a failure named) and an optional repository, with cancellable progress, and opens the report as a rendered
 * Markdown preview with Copy Report on it. From a failure's item in the tree, it asks nothing: that failure's
 * registry, and its repository when the failure is about one.
 */
export async function diagnoseAccess(services: Services, given?: RegistryNode | ErrorNode | string, repository?: string): Promise<void> {
  if (typeof given === 'object' && given.kind === 'error') {
    const target = failureTarget(given);
    if (target) await diagnoseAccess(services, target.registry, target.repository ?? '');
    return;
  }
  const title = vscode.l10n.t('ACR: Diagnose Access');
  const registry = typeof given === 'string' ? (await services.tree.allRegistries()).find((node) => node.loginServer === given) : (given ?? (await pickTreeRegistry(services, title)));
  const loginServer = typeof given === 'string' ? given : registry?.loginServer;
  if (!loginServer) return;
  // From a tree menu, the second argument may be the selected nodes rather than a repository.
  const named = typeof repository === 'string' ? repository : await vscode.window.showInputBox({ title, prompt: vscode.l10n.t('A repository to check your roles on (optional): leave empty to skip'), placeHolder: 'team/api' });
  if (named === undefined) return;

  const login = services.state.dockerLogins.find((candidate) => candidate.loginServer === loginServer);
  const tenantId = registry?.summary?.subscription.tenantId ?? login?.tenantId;
  const status = services.scheduler.statuses().find((candidate) => candidate.login.loginServer === loginServer);
  const inputs = {
    loginServer,
    trust: services.dockerLogins.hostTrust(),
    tenantId,
    registry: registry?.summary,
    proxy: vscode.workspace.getConfiguration('http').get<string>('proxy') || undefined,
    repository: named.trim() || undefined,
    credential: services.silentAccount().credential(tenantId),
    engine: processEngineEnvironment(enginePreference()),
    ourSecret: login ? await services.state.dockerSecret(loginServer) : undefined,
    renewal: status && renewalSummary(status),
    recentErrors: services.log.recentProblems.about(loginServer),
    now: Date.now,
  };
  const diagnosis = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Diagnosing access to {0}', loginServer), cancellable: true },
    (progress, cancellation) => diagnose({ ...inputs, signal: abortSignalFor(cancellation) }, (result) => progress.report({ message: checkTitle(result.id), increment: 9 })),
  );
  const failed = diagnosis.results.filter((result) => result.outcome.status === 'failed').map((result) => result.id);
  services.log.info(`Diagnosed access to ${loginServer}: ${failed.length > 0 ? `failed ${failed.join(', ')}` : 'every check passed or was skipped'}`);
  const uri = services.diagnosisReports.show(loginServer, diagnosisMarkdown(diagnosis));
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}

/** Copy Report: the button on a report's preview; the Markdown holds no secret (src/diagnosis/report.ts). */
export async function copyReport(services: Services, uri?: vscode.Uri): Promise<void> {
  const report = services.diagnosisReports.report(uri ?? vscode.window.activeTextEditor?.document.uri);
  if (report === undefined) throw new Error(vscode.l10n.t('No diagnosis report is open. Run ACR: Diagnose Access... first.'));
  await vscode.env.clipboard.writeText(report);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Diagnosis report copied as Markdown'), 5000);
}
