import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * The `run:` commands of each job in a GitHub Actions workflow, read line by line: enough for this file's shape
 * (jobs at two spaces under `jobs:`, one-line `run:` steps), and it fails on a multi-line `run: |` it cannot read.
 */
function jobCommands(workflow: string): Map<string, string[]> {
  const jobs = new Map<string, string[]>();
  let inJobs = false;
  let job: string[] | undefined;
  for (const line of workflow.split('\n')) {
    if (/^\S/.test(line)) inJobs = line.startsWith('jobs:');
    const jobName = inJobs ? /^ {2}([\w-]+):\s*$/.exec(line)?.[1] : undefined;
    if (jobName) jobs.set(jobName, (job = []));
    const run = /^\s+(?:- )?run:\s*(.*)$/.exec(line)?.[1];
    if (run === undefined || !job) continue;
    assert.ok(run !== '' && !/^[|>]/.test(run), `a multi-line run: this test reads one-line commands only (${line.trim()})`);
    job.push(run);
  }
  return jobs;
}

/** `npm test`, `npm run <script>` and `npm run <script> -- words` in a command: the scripts it runs. */
function npmScripts(command: string): string[] {
  return [...command.matchAll(/\bnpm (?:run(?:-script)? ([\w:.-]+)|(test|start)\b)/g)].map((match) => match[1] ?? match[2]);
}

describe('.github/workflows/ci.yml: every job runs scripts package.json has', () => {
  const workflow = readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8');
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const jobs = jobCommands(workflow);

  it('has a Linux job running the whole npm test, and one for Windows and macOS', () => {
    assert.deepEqual([...jobs.keys()], ['linux', 'windows-macos']);
    assert.ok(jobs.get('linux')!.some((command) => npmScripts(command).includes('test')));
    assert.match(workflow, /os: \[windows-latest, macos-latest\]/);
  });

  it('runs static, unit, component and desktop on Windows and macOS', () => {
    assert.deepEqual(jobs.get('windows-macos')!.flatMap(npmScripts), ['test:static', 'test:unit', 'test:component', 'test:desktop']);
  });

  it('names only scripts that exist', () => {
    for (const [job, commands] of jobs) {
      for (const script of commands.flatMap(npmScripts)) assert.ok(script in scripts, `job ${job} runs npm script "${script}", which package.json does not have`);
    }
  });

  it('reads the commands of a workflow (the reader itself)', () => {
    const sample = ['on: push', 'jobs:', '  a:', '    steps:', '      - run: npm ci', '      - run: npm run test:nope -- words', '  b:', '    steps:', '      - name: x', '        run: npm test'].join('\n');
    assert.deepEqual(Object.fromEntries(jobCommands(sample)), { a: ['npm ci', 'npm run test:nope -- words'], b: ['npm test'] });
    assert.deepEqual(npmScripts('npm run test:nope -- words'), ['test:nope']);
    assert.deepEqual(npmScripts('xvfb-run -a npm test'), ['test']);
  });
});
