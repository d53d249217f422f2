/** The messages between the cluster's primary and its workers, and a send that never throws. */
import type { Worker } from 'node:cluster';
import type { AppliedBatch } from './live-state.js';

/** Messages between the primary and the workers. */
export type Message =
  | { type: 'workbench:listening'; url: string }
  /** The worker's control variant is loaded and warmed. */
  | { type: 'workbench:ready'; url: string }
  /** The worker cannot serve at all (e.g. the port is taken): stop everything, exit 1. */
  | { type: 'workbench:fatal'; error: string }
  | { type: 'workbench:metrics'; id: number }
  | { type: 'workbench:metrics-result'; id: number; text?: string; error?: string }
  | { type: 'workbench:reload' }
  | { type: 'workbench:shutdown' }
  /** A worker appended events: apply them everywhere, then ack. */
  | { type: 'workbench:events'; id: number; batch: AppliedBatch }
  | { type: 'workbench:events-apply'; id: number; origin: number; batch: AppliedBatch }
  | { type: 'workbench:events-applied'; id: number; origin: number }
  | { type: 'workbench:events-ack'; id: number };

export function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('workbench:')
  );
}

/**
 * Sends to a worker without ever throwing: a worker that is exiting (Ctrl-C reaches the whole
 * process group, so workers stop on their own) has a closing channel, and a plain `send` then
 * raised `write EPIPE` in the primary and crashed its shutdown.
 */
export function sendSafely(target: Pick<Worker, 'isConnected' | 'send'>, msg: Message): void {
  if (!target.isConnected()) return;
  try {
    target.send(msg, undefined, () => {});
  } catch {
    // The channel closed between the check and the send: the worker is going anyway.
  }
}
