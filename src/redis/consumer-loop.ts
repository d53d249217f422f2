/**
 * The loop a stream consumer runs: one step after another until stopped; a failed step (Redis
 * away, a disk error) is reported and retried after a pause, never ends the loop, so a consumer
 * picks up again on its own when Redis returns.
 */

/** Waits `ms`, or less once `done()` turns true (checked every 50 ms). */
export async function pause(ms: number, done: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(50, until - Date.now())));
}

/** See the module comment. */
export abstract class ConsumerLoop {
  protected stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly onError?: (err: Error) => void) {}

  /** One read-and-handle round. */
  protected abstract step(): Promise<void>;

  /** Called after a failed step, before the pause. */
  protected failed(): void {}

  /** Starts the loop (idempotent). */
  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.step();
      } catch (err) {
        this.failed();
        if (!this.stopped) {
          this.onError?.(err as Error);
          await pause(250, () => this.stopped);
        }
      }
    }
  }

  /** Ends the loop after the current step. */
  protected async halt(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.loop = undefined;
  }
}
