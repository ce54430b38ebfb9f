import { createServer } from 'node:net';
import type { Server } from 'node:net';

/**
 * A block of loopback addresses (`127.<a>.<b>.1` .. `.250`) held by one
 * local supercluster for its whole life. Every server gets an address of
 * its own and listens on the same fixed ports there, so there is no window
 * between picking a free port and a server binding it (another test file's
 * servers cannot take it), servers restart on the same address, and every
 * gateway URL is a distinct address, as in a deployment.
 *
 * The block is claimed by binding a marker socket on `127.<a>.<b>.254`:
 * binding is atomic, so two processes never hold the same block; the
 * marker closes with `release()` or when the process exits. Linux routes
 * all of 127.0.0.0/8 to the loopback interface, so no setup is needed.
 */
export interface LoopbackBlock {
  /** `127.<a>.<b>` */
  readonly prefix: string;
  /** The address of the server with index `i` (0-based) in this block. */
  readonly address: (i: number) => string;
  readonly release: () => Promise<void>;
}

/** Ports every local server listens on, at its own address. Not the NATS defaults, so a system nats-server on 0.0.0.0 does not collide. */
export const LOCAL_PORTS = { client: 14222, cluster: 16222, gateway: 17222, monitor: 18222, websocket: 18443 } as const;

/** Port of the marker socket that claims a block. */
export const CLAIM_PORT = 18999;

/** Servers one block can hold. */
export const BLOCK_SIZE = 250;

const bind = (host: string, port: number): Promise<Server | undefined> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    server.listen(port, host, () => resolve(server));
  });

/** Whether something listens on the client port of any server address of the block. */
async function anyInUse(prefix: string): Promise<boolean> {
  for (let i = 1; i <= BLOCK_SIZE; i++) {
    const probe = await bind(`${prefix}.${i}`, LOCAL_PORTS.client);
    if (!probe) return true;
    await new Promise((resolve) => probe.close(resolve));
  }
  return false;
}

/**
 * Claims the first free block from `127.<first>.0` on, scanning `<b>` then
 * `<a>`. Different callers (tests, `npm run local`) start at different
 * `first` so they rarely even meet.
 */
export async function claimLoopbackBlock(first = 100, tries = 5000): Promise<LoopbackBlock> {
  for (let n = 0; n < tries; n++) {
    const a = first + Math.floor(n / 256);
    const b = n % 256;
    if (a > 254) break;
    const prefix = `127.${a}.${b}`;
    const marker = await bind(`${prefix}.254`, CLAIM_PORT);
    if (!marker) continue;
    // The marker dies with its process, servers started from it may not (a
    // test runner killed by a signal): such orphans still listen in the
    // block, and a new cluster there would be answered by the old one (its
    // clients then fail with "Authorization Violation"). Skip a block that
    // has a listener on any server address.
    if (await anyInUse(prefix)) {
      await new Promise((resolve) => marker.close(resolve));
      continue;
    }
    return {
      prefix,
      address: (i) => {
        if (!Number.isInteger(i) || i < 0 || i >= BLOCK_SIZE) throw new Error(`a loopback block holds ${BLOCK_SIZE} servers; index ${i} is outside it`);
        return `${prefix}.${i + 1}`;
      },
      release: () => new Promise((resolve) => marker.close(() => resolve())),
    };
  }
  throw new Error(`no free loopback block from 127.${first}.0.0 on (each is claimed by a socket on .254:${CLAIM_PORT})`);
}
