import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { collapsingLog } from '../../src/collapsingLog';

/** What a log channel was given, line by line, as `<level> <text>`. */
function recordingChannel(): { channel: vscode.LogOutputChannel; lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  const channel = { name: 'ACR Access', info: record('info'), warn: record('warn'), error: record('error'), trace: record('trace'), debug: record('debug'), show: () => lines.push('shown') };
  return { channel: channel as unknown as vscode.LogOutputChannel, lines };
}

describe('collapsingLog: a line that comes again right after itself is counted, not written again', () => {
  it('writes a repeated line once, then how many more times it came, before the next different line', () => {
    const { channel, lines } = recordingChannel();
    const log = collapsingLog(channel);
    for (let index = 0; index < 4; index++) log.info('The Microsoft account changed; cached registry tokens are dropped');
    log.info('Signed in with vscode');
    log.warn('Signed in with vscode');
    log.warn('Signed in with vscode');
    log.error('done');
    assert.deepEqual(lines, [
      'info The Microsoft account changed; cached registry tokens are dropped',
      'info The line above came 3 more times',
      'info Signed in with vscode',
      'warn Signed in with vscode',
      'warn The line above came once more',
      'error done',
    ]);
  });

  it('keeps the rest of the channel as it is', () => {
    const { channel, lines } = recordingChannel();
    const log = collapsingLog(channel);
    log.show();
    assert.equal(log.name, 'ACR Access');
    assert.deepEqual(lines, ['shown']);
  });
});
