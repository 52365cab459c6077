import { access, constants } from 'node:fs/promises';
import { posix, win32 } from 'node:path';

/** What decides which programs can be run: PATH (and PATHEXT on Windows) for the platform given. */
export interface ProgramEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
}

/** Which of `programs` are on PATH, found as a shell would find them; runs none of them. */
export async function installedPrograms(programs: readonly string[], { env, platform }: ProgramEnvironment): Promise<string[]> {
  const windows = platform === 'win32';
  const path = windows ? win32 : posix;
  const dirs = (env.PATH ?? env.Path ?? '').split(windows ? ';' : ':').filter((dir) => dir !== '');
  const extensions = windows ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';') : [''];
  const found: string[] = [];
  for (const program of programs) {
    const candidates = dirs.flatMap((dir) => extensions.map((extension) => path.join(dir, program + extension)));
    for (const candidate of candidates) {
      if (await access(candidate, windows ? constants.F_OK : constants.X_OK).then(() => true, () => false)) {
        found.push(program);
        break;
      }
    }
  }
  return found;
}
