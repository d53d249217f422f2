/**
 * Test helpers (not product code): read back an event log directory, and send JSON to an app.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { InteractionEvent } from '../../src/data/schema.js';

/** Every event in a partitioned event log directory (all partitions and part files). */
export function readEventLog(dir: string): InteractionEvent[] {
  if (!existsSync(dir)) return [];
  const out: InteractionEvent[] = [];
  for (const part of readdirSync(dir)) {
    for (const file of readdirSync(path.join(dir, part))) {
      const text = readFileSync(path.join(dir, part, file), 'utf8');
      for (const line of text.split('\n')) if (line.trim()) out.push(JSON.parse(line) as InteractionEvent);
    }
  }
  return out;
}

/** Something with Hono's `request` (an app). */
export interface Requester {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

/** POSTs (or PUTs) a JSON body; strings are sent as they are. */
export function sendJson(
  app: Requester,
  url: string,
  body: unknown,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return Promise.resolve(
    app.request(url, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

/** The error body of a response. */
export interface ErrorJson {
  error: { code: string; message: string; field?: string; issues?: { field: string; message: string }[] };
}
