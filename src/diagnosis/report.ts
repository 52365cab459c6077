import * as l10n from '@vscode/l10n';
import { withoutSecrets } from '../acr/errors';
import { actorName, type CheckResult, checkTitle } from './diagnosis';
import type { Diagnosis } from './diagnose';

const order = { failed: 0, passed: 1, skipped: 2 } as const;

/** Text from a check, made safe for a report: no secret (withoutSecrets), no Markdown of its own. */
function safe(text: string): string {
  return withoutSecrets(text).replace(/[\\`*_[\]<>|#]/g, '\\$&');
}

function line(result: CheckResult): string {
  const { outcome } = result;
  const head = `**${checkTitle(result.id)}** (${result.durationMs} ms, ${new Date(result.startedAt).toISOString()})`;
  const details = (outcome.details ?? []).map((detail) => `  - ${safe(detail)}`);
  if (outcome.status === 'passed') return [`- ${l10n.t('Passed')}: ${head}: ${safe(outcome.seen)}`, ...details].join('\n');
  if (outcome.status === 'skipped') return [`- ${l10n.t('Skipped')}: ${head}: ${safe(outcome.reason)}`, ...details].join('\n');
  const parts = [
    `- ${l10n.t('Failed')}: ${head}: ${safe(outcome.seen)}`,
    ...details,
    `  - ${l10n.t('What to do')} (${actorName(outcome.actor)}): ${safe(outcome.advice)}`,
  ];
  if (outcome.correlationId) parts.push(`  - ${l10n.t('Correlation id: {0}', safe(outcome.correlationId))}`);
  return parts.join('\n');
}

/**
 * The report as Markdown, for the preview and for a support ticket: a line per check, failed ones first, each
 * with its time; every text goes through withoutSecrets, and no check puts a token in its text to begin with.
 */
export function diagnosisMarkdown(diagnosis: Diagnosis): string {
  const results = [...diagnosis.results].sort((a, b) => order[a.outcome.status] - order[b.outcome.status]);
  const failures = results.filter((result) => result.outcome.status === 'failed').length;
  const target = diagnosis.repository ? `${diagnosis.loginServer}/${diagnosis.repository}` : diagnosis.loginServer;
  return [
    `# ${l10n.t('ACR Access diagnosis of {0}', safe(target))}`,
    '',
    l10n.t('Run at {0}. {1} of {2} checks failed.', new Date(diagnosis.startedAt).toISOString(), failures, results.length),
    '',
    ...results.map(line),
    '',
  ].join('\n');
}
