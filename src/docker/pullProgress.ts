/** Where a pull stands; every field only grows while the pull runs. */
export interface PullProgress {
  readonly layersDone: number;
  readonly layersTotal: number;
  /** Bytes of the layers the engine has started to download; 0 while unknown. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** One line of the engine's JSON progress stream for `POST /images/create`. */
export interface PullEvent {
  readonly status?: string;
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

interface LayerState {
  done: boolean;
  bytesDone: number;
  bytesTotal: number;
}

// Layers the engine already had end as "Already exists" without ever downloading.
const finishedStatuses = new Set(['Pull complete', 'Already exists']);
const downloadedStatuses = new Set(['Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete', 'Already exists']);

/** Turns the engine's per-layer progress lines into totals for the whole pull. */
export class PullProgressTally {
  private readonly layers = new Map<string, LayerState>();
  private last: PullProgress = { layersDone: 0, layersTotal: 0, bytesDone: 0, bytesTotal: 0 };

  /** Takes one event; returns the new progress when it changed what the pull reports. */
  record(event: PullEvent): PullProgress | undefined {
    const { id, status } = event;
    // `{"status":"Pulling from team/api","id":"1.0"}` names the image, not a layer.
    if (!id || !status || status.startsWith('Pulling from')) return undefined;
    let layer = this.layers.get(id);
    if (!layer) {
      layer = { done: false, bytesDone: 0, bytesTotal: 0 };
      this.layers.set(id, layer);
    }
    if (status === 'Downloading') {
      const { current, total } = event.progressDetail ?? {};
      if (typeof total === 'number' && total > layer.bytesTotal) layer.bytesTotal = total;
      // A retried download starts again from 0; keep the furthest point so the totals never go back.
      if (typeof current === 'number' && current > layer.bytesDone) layer.bytesDone = Math.min(current, layer.bytesTotal || current);
    }
    if (downloadedStatuses.has(status)) layer.bytesDone = Math.max(layer.bytesDone, layer.bytesTotal);
    if (finishedStatuses.has(status)) layer.done = true;
    return this.changed();
  }

  get progress(): PullProgress {
    return this.last;
  }

  private changed(): PullProgress | undefined {
    let layersDone = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const layer of this.layers.values()) {
      if (layer.done) layersDone++;
      bytesDone += layer.bytesDone;
      bytesTotal += layer.bytesTotal;
    }
    const before = this.last;
    const layersTotal = this.layers.size;
    if (before.layersDone === layersDone && before.layersTotal === layersTotal && before.bytesDone === bytesDone && before.bytesTotal === bytesTotal) return undefined;
    this.last = { layersDone, layersTotal, bytesDone, bytesTotal };
    return this.last;
  }
}
