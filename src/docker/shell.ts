/**
 * Commands shown to the user come in the form of their shell: PowerShell (Windows' default, and `pwsh`
 * anywhere) or a POSIX shell (sh, bash, zsh; Git Bash and WSL on Windows). A secret is never on a command
 * line: it is read into a variable without echo, and piped to the command's standard input.
 */
export type Shell = 'posix' | 'powershell';

/**
 * The shell a user's terminal runs: the default terminal profile's name or path when VS Code's settings name one
 * (`terminal.integrated.defaultProfile.<os>`), otherwise the platform's default (PowerShell on Windows).
 */
export function shellFor(platform: NodeJS.Platform, defaultProfile?: string): Shell {
  const profile = defaultProfile?.toLowerCase() ?? '';
  if (/powershell|pwsh/.test(profile)) return 'powershell';
  if (/bash|zsh|fish|\bsh\b|wsl|ubuntu|debian|cygwin|msys/.test(profile)) return 'posix';
  return platform === 'win32' ? 'powershell' : 'posix';
}

/** The other shell, offered one click away. */
export function otherShell(shell: Shell): Shell {
  return shell === 'posix' ? 'powershell' : 'posix';
}

/** The shell's name for the user, and the Markdown code-fence language of its commands. */
export function shellLabel(shell: Shell): { readonly name: string; readonly fence: string } {
  return shell === 'posix' ? { name: 'bash / zsh', fence: 'sh' } : { name: 'PowerShell', fence: 'powershell' };
}

/** Reads a secret the user pastes into the variable, without echo and out of the shell's history. */
export function readSecretInto(shell: Shell, variable: string): string {
  // Read-Host -AsSecureString works in Windows PowerShell 5.1 and PowerShell 7; -MaskInput only in 7.1 and later.
  return shell === 'posix' ? `read -rs ${variable}` : `$env:${variable} = [Net.NetworkCredential]::new('', (Read-Host -AsSecureString)).Password`;
}

/** The variable's value, on the standard input of `command` (docker, oras and helm trim the line end PowerShell adds). */
export function pipeSecret(shell: Shell, variable: string, command: string): string {
  return shell === 'posix' ? `printf '%s' "$${variable}" | ${command}` : `$env:${variable} | ${command}`;
}

/** A reference to the variable inside a double-quoted argument. */
export function variableInQuotes(shell: Shell, variable: string): string {
  return shell === 'posix' ? `$${variable}` : `$env:${variable}`;
}

/** curl itself (in Windows PowerShell 5.1, `curl` names Invoke-WebRequest). */
export function curl(shell: Shell): string {
  return shell === 'posix' ? 'curl' : 'curl.exe';
}

/** A word as one argument: left bare when safe, otherwise quoted for the shell. */
export function shellWord(shell: Shell, word: string): string {
  if (/^[\w.:@/-]+$/.test(word)) return word;
  return shell === 'posix' ? `'${word.replace(/'/g, `'\\''`)}'` : `'${word.replace(/'/g, "''")}'`;
}
