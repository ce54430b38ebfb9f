import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_PORTS, claimLoopbackBlock } from '../../lib/local/loopback';

/*
 * A test runner killed by a signal (Ctrl-C on jest, a CI timeout) must not
 * leave nats-servers behind, and servers a killed run did leave must not
 * answer the next run's clients.
 */

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('no orphaned nats-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-orphans-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('a process that started a server and dies of %s takes the server with it', async (signal) => {
    const conf = join(dir, `${signal}.conf`);
    writeFileSync(conf, 'host: 127.0.0.1\nport: -1\n');
    // A process like a jest worker: it starts a server through lib/local and installs no signal handler of its own.
    const script = [
      "const { spawnServer } = require('./lib/local/nats-server');",
      `const child = spawnServer(${JSON.stringify(conf)}, { PATH: process.env.PATH }, ${JSON.stringify(join(dir, `${signal}.log`))});`,
      "process.stdout.write(String(child.pid) + '\\n');",
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    const parent = spawn(process.execPath, ['-r', 'sucrase/register', '-e', script], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let serverPid = 0;
    try {
      serverPid = await new Promise<number>((resolve, reject) => {
        parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        parent.once('exit', (code) => reject(new Error(`the parent exited first (${code})`)));
      });
      expect(alive(serverPid)).toBe(true);
      const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, s) => resolve(s)));
      parent.kill(signal);
      // It still dies of the signal (nothing swallowed it), and the server is gone with it.
      expect(await exited).toBe(signal);
      await until(`nats-server ${serverPid} to exit`, 5000, () => !alive(serverPid));
    } finally {
      parent.kill('SIGKILL');
      if (serverPid && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  }, 20_000);

  test('a loopback block where something still listens on a server address is skipped', async () => {
    // Far from the blocks the harness and `npm run local` use.
    const first = await claimLoopbackBlock(230);
    const orphan: Server = createServer();
    await new Promise<void>((resolve) => orphan.listen(LOCAL_PORTS.client, first.address(4), resolve));
    try {
      await first.release();
      const next = await claimLoopbackBlock(230);
      try {
        expect(next.prefix).not.toBe(first.prefix);
      } finally {
        await next.release();
      }
    } finally {
      await new Promise((resolve) => orphan.close(resolve));
    }
    // Once the orphan is gone the block is free again.
    const again = await claimLoopbackBlock(230);
    expect(again.prefix).toBe(first.prefix);
    await again.release();
  });
});
