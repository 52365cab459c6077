// Timing and statistics for the benchmarks: medians over repetitions, with their spread.
import { performance } from 'node:perf_hooks';

/** A measured quantity: a single value, or the median of samples with their spread. */
export interface Measure {
  readonly value: number;
  readonly unit: string;
  readonly samples?: readonly number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The middle half of the samples (first to third quartile), which one slow outlier does not move. */
export function quartiles(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number): number => {
    const position = (sorted.length - 1) * fraction;
    const below = Math.floor(position);
    return sorted[below] + (sorted[Math.min(below + 1, sorted.length - 1)] - sorted[below]) * (position - below);
  };
  return [at(0.25), at(0.75)];
}

export function measured(samples: readonly number[], unit: string): Measure {
  return { value: median(samples), unit, samples };
}

export function single(value: number, unit: string): Measure {
  return { value, unit };
}

/** Milliseconds `run` takes. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

export interface Contender {
  readonly name: string;
  /** Set-up not timed (a fresh config folder, an image removed), then the run that is timed. */
  readonly prepare?: () => Promise<void>;
  readonly run: () => Promise<unknown>;
}

/**
 * Times each contender `repetitions` times, in turns (A, B, C, A, B, C, ...) so a slow spell of a busy machine
 * falls on all of them alike, after `warmUp` untimed turns each. Returns the samples by contender name.
 */
export async function race(contenders: readonly Contender[], repetitions: number, warmUp = 2): Promise<Map<string, number[]>> {
  const samples = new Map(contenders.map((contender) => [contender.name, [] as number[]]));
  for (let round = 0; round < warmUp + repetitions; round++) {
    for (const contender of contenders) {
      await contender.prepare?.();
      const ms = await timed(contender.run);
      if (round >= warmUp) samples.get(contender.name)!.push(ms);
    }
  }
  return samples;
}
