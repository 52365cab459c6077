import { gunzipSync } from 'node:zlib';
import { Exchange, Route } from './http';
import { recordReceivedTelemetry } from './secretRecord';

/** One Application Insights envelope as it arrived (name, time, iKey, tags, data.baseData...). */
export type TelemetryEnvelope = Record<string, unknown>;

/**
 * An Application Insights ingestion endpoint that keeps what it is sent: `POST /telemetry/v2/track` takes a
 * JSON array (or newline-delimited JSON) of envelopes, gzipped or not, and answers as the real one does.
 * The control API reads and clears what arrived.
 */
export class TelemetryCollector {
  private readonly received: TelemetryEnvelope[] = [];

  list(): TelemetryEnvelope[] {
    return [...this.received];
  }

  clear(): void {
    this.received.length = 0;
  }

  route(): Route {
    return async (exchange) => {
      if (exchange.url.pathname !== '/telemetry/v2/track' || exchange.req.method !== 'POST') return { status: 404, json: { error: 'not an ingestion route' } };
      const envelopes = await readEnvelopes(exchange);
      if (!envelopes) return { status: 400, json: { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 400, message: 'expected JSON envelopes' }] } };
      this.received.push(...envelopes);
      recordReceivedTelemetry(envelopes);
      return { status: 200, json: { itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] } };
    };
  }
}

async function readEnvelopes(exchange: Exchange): Promise<TelemetryEnvelope[] | undefined> {
  let body = await exchange.body();
  if (/gzip/i.test(String(exchange.req.headers['content-encoding'] ?? ''))) body = gunzipSync(body);
  const text = body.toString().trim();
  try {
    const parsed = text.startsWith('[') ? (JSON.parse(text) as unknown) : text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'object' && item !== null) ? (parsed as TelemetryEnvelope[]) : undefined;
  } catch {
    return undefined;
  }
}
