import { execFileSync } from 'node:child_process';
import { projectRoot } from './codeServer';

/** The development build: the extension bundle and the host suite, as the test hosts load them. */
export function buildForTests(): void {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: projectRoot, stdio: 'inherit' });
}
