import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './codeServer';

/**
 * What the test hosts load, made once per run: `npm test` builds both before the tiers start (test/runAll.ts) and
 * hands them down in ACR_TEST_BUILT and ACR_TEST_VSIX; a tier or test file run on its own makes them on first use.
 */

/** The development build: the extension bundle, the host suite and the emulated sign-in, as the test hosts load them. */
export function buildForTests(): void {
  if (process.env.ACR_TEST_BUILT) return;
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: projectRoot, stdio: 'inherit' });
  process.env.ACR_TEST_BUILT = '1';
}

/** The .vsix `npm run package` makes, copied out of dist/ so that no later build can change what is installed. */
export function packagedVsix(): string {
  if (process.env.ACR_TEST_VSIX) return process.env.ACR_TEST_VSIX;
  // npm is npm.cmd on Windows, which Node runs only through a shell.
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: projectRoot, stdio: 'pipe', shell: process.platform === 'win32' });
  const dir = mkdtempSync(join(tmpdir(), 'acr-vsix-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const vsix = join(dir, 'acr-access.vsix');
  copyFileSync(join(projectRoot, 'dist/acr-access.vsix'), vsix);
  process.env.ACR_TEST_VSIX = vsix;
  // The production build replaced the development one in dist/.
  delete process.env.ACR_TEST_BUILT;
  return vsix;
}

/** Both, for a whole run, as the environment that hands them down: the package first, since its production build goes to dist/ too. */
export function buildForRun(): NodeJS.ProcessEnv {
  const vsix = packagedVsix();
  buildForTests();
  return { ACR_TEST_BUILT: '1', ACR_TEST_VSIX: vsix };
}
