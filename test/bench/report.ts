// The benchmark table: printed, and written as JSON under artifacts/bench/.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../world/codeServer';
import { Measure, quartiles } from './measure';

export type Verdict = 'met' | 'missed' | 'info';

export interface Row {
  readonly bench: string;
  readonly metric: string;
  readonly ours: Measure;
  readonly baseline?: Measure & { readonly name: string };
  /** ours / baseline, when both are times or sizes of the same thing. */
  readonly ratio?: number;
  readonly goal: string;
  readonly verdict: Verdict;
  /** Why a goal was missed, or what a number means. */
  readonly note?: string;
}

/** A row comparing ours with a baseline by the ratio of their medians, against `goal` (the largest ratio that meets it). */
export function ratioRow(bench: string, metric: string, ours: Measure, baseline: Measure & { name: string }, goal: number | undefined, note?: string): Row {
  const ratio = ours.value / baseline.value;
  return {
    bench,
    metric,
    ours,
    baseline,
    ratio,
    goal: goal === undefined ? '-' : `<= ${goal}x`,
    verdict: goal === undefined ? 'info' : ratio <= goal ? 'met' : 'missed',
    ...(note ? { note } : {}),
  };
}

/** A row whose goal is a limit on ours alone. */
export function limitRow(bench: string, metric: string, ours: Measure, limit: number | undefined, goal: string, note?: string, baseline?: Measure & { name: string }): Row {
  return {
    bench,
    metric,
    ours,
    ...(baseline ? { baseline, ratio: ours.value / baseline.value } : {}),
    goal,
    verdict: limit === undefined ? 'info' : ours.value <= limit ? 'met' : 'missed',
    ...(note ? { note } : {}),
  };
}

function number(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function formatMeasure(measure: Measure): string {
  const main = `${number(measure.value)} ${measure.unit}`.trim();
  if (!measure.samples || measure.samples.length < 2) return main;
  const [low, high] = quartiles(measure.samples);
  return `${main} (IQR ${number(low)}-${number(high)}, n=${measure.samples.length})`;
}

function cells(row: Row): string[] {
  return [
    row.bench,
    row.metric,
    formatMeasure(row.ours),
    row.baseline ? `${row.baseline.name}: ${formatMeasure(row.baseline)}` : '-',
    row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}x`,
    row.goal,
    row.verdict,
  ];
}

const headers = ['bench', 'metric', 'ours', 'baseline', 'ratio', 'goal', 'verdict'];

/** The table as Markdown (for the terminal and the README alike), with the notes under it. */
export function markdownTable(rows: readonly Row[]): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`)];
  const notes = rows.flatMap((row, index) => (row.note ? [`${index + 1}. ${row.bench}, ${row.metric}: ${row.note}`] : []));
  return [...lines, ...(notes.length > 0 ? ['', 'Notes (by row):', ...notes] : [])].join('\n');
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly docker: string;
  /** The 1-minute load average when the run started: other work on the machine skews the times. */
  readonly loadAverage: number;
}

export function describeMachine(): Machine {
  let docker = 'unknown';
  try {
    docker = execFileSync('docker', ['version', '--format', 'client {{.Client.Version}}, engine {{.Server.Version}}'], { timeout: 10_000 }).toString().trim();
  } catch {
    // Reported as unknown.
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: type(),
    node: process.version,
    docker,
    loadAverage: Number(loadavg()[0].toFixed(2)),
  };
}

export function machineLine(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, Docker ${machine.docker}; load average ${machine.loadAverage} at the start`;
}

export const benchArtifacts = join(projectRoot, 'artifacts', 'bench');

/** Writes the run to artifacts/bench/<time>.json and artifacts/bench/latest.json; returns the first path. */
export async function writeResults(machine: Machine, startedAt: Date, rows: readonly Row[]): Promise<string> {
  await mkdir(benchArtifacts, { recursive: true });
  const json = JSON.stringify({ startedAt: startedAt.toISOString(), machine, rows }, null, 2);
  const file = join(benchArtifacts, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, json);
  await writeFile(join(benchArtifacts, 'latest.json'), json);
  return file;
}
