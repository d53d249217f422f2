/** Port checks before a server or a cluster listens. */
import net from 'node:net';
import { WorkbenchError } from '../src/errors.js';

/** Fails with one clear line when `port` on `host` is taken (port 0 is always free). */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new WorkbenchError(
              'port_in_use',
              `port ${port} on ${host} is already in use (another workbench serve?); stop it or choose --port`,
            )
          : err,
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Binds port 0 once to pick a free port all workers then share (each worker's own port 0 would differ). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
