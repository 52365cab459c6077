import assert from 'node:assert/strict';
import { otherShell, shellFor, shellWord } from '../../src/docker/shell';

describe("shell: commands come in the form of the user's terminal", () => {
  it('takes the default terminal profile when VS Code names one, else the platform default (PowerShell on Windows)', () => {
    const cases: [NodeJS.Platform, string | undefined, string][] = [
      ['win32', undefined, 'powershell'],
      ['win32', 'PowerShell', 'powershell'],
      ['win32', 'Git Bash', 'posix'],
      ['win32', 'Ubuntu (WSL)', 'posix'],
      ['win32', 'Command Prompt', 'powershell'],
      ['darwin', undefined, 'posix'],
      ['darwin', 'zsh', 'posix'],
      ['darwin', 'pwsh', 'powershell'],
      ['linux', undefined, 'posix'],
      ['linux', 'bash', 'posix'],
      ['linux', 'fish', 'posix'],
      ['linux', '/opt/microsoft/powershell/7/pwsh', 'powershell'],
    ];
    for (const [platform, profile, shell] of cases) assert.equal(shellFor(platform, profile), shell, `${platform} ${profile ?? '(no profile)'}`);
  });

  it('the other shell is one step away, both ways', () => {
    assert.equal(otherShell('posix'), 'powershell');
    assert.equal(otherShell('powershell'), 'posix');
  });

  it('quotes a word for each shell only when it has to', () => {
    assert.equal(shellWord('posix', 'myregistry.azurecr.io:443'), 'myregistry.azurecr.io:443');
    assert.equal(shellWord('posix', "it's $HOME"), `'it'\\''s $HOME'`);
    assert.equal(shellWord('powershell', "it's $env:HOME"), `'it''s $env:HOME'`);
  });
});
