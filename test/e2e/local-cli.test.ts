import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connectAs } from '../../lib/kv/connect';
import { waitFor } from '../../lib/local/readiness';

const REPO = join(__dirname, '..', '..');
jest.setTimeout(180_000);

/** Servers still running from `dir` (their config paths contain it). */
const serversFrom = (dir: string) => spawnSync('pgrep', ['-f', dir], { encoding: 'utf8' }).stdout.trim();

/** `npm run local` as a child process, on the nats-server under test, with its output collected. */
function startLocalCli(env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['-r', 'sucrase/register', join(REPO, 'scripts', 'local.ts')], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(process.env.NATS_SERVER_BIN ? { NATS_SERVER_BIN: process.env.NATS_SERVER_BIN } : {}), ...env },
  });
  const state = { out: '' };
  child.stdout.on('data', (d) => (state.out += d));
  child.stderr.on('data', (d) => (state.out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const dir = async () => (await waitFor('the working directory line', async () => /working directory (\S+)/.exec(state.out)?.[1], (d) => d !== undefined || child.exitCode !== null, 30_000))!;
  return { child, state, exited, dir };
}

describe('npm run local', () => {
  test('brings up the default fleet, serves the agent at every site, and cleans up on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', join(REPO, 'scripts', 'local.ts')], { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the ready banner', async () => out, (o) => o.includes('ready: the supercluster is up') || child.exitCode !== null, 120_000);
      expect(out).toContain('ready: the supercluster is up');
      const urls = Object.fromEntries([...out.matchAll(/^ {2}(site-\d)\s+(\S+)$/gm)].map((m) => [m[1], m[2].split(',')]));
      expect(Object.keys(urls).sort()).toEqual(['site-1', 'site-2', 'site-3']);
      const seedFile = /--nkey (\S+)/.exec(out)![1];
      const dir = /removes (\S+)/.exec(out)![1];
      expect(serversFrom(dir).split('\n')).toHaveLength(9);

      const seed = readFileSync(seedFile, 'utf8').trim();
      const writer = await connectAs('agent', urls['site-1'], seed, 'local-cli-writer');
      await (await new Kvm(writer).open('HARMONY', { allow_direct: true })).put('local.cli', 'hello');
      await writer.close();
      for (const site of ['site-1', 'site-2', 'site-3']) {
        const nc = await connectAs('agent', urls[site], seed, `local-cli-${site}`);
        const kv = await new Kvm(nc).open('HARMONY', { allow_direct: true });
        // Mirrors are asynchronous: bounded wait for the value to arrive.
        const value = await waitFor(`local.cli at ${site}`, async () => (await kv.get('local.cli'))?.string(), (v) => v === 'hello', 10_000);
        expect(value).toBe('hello');
        await nc.close();
      }

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(serversFrom(dir)).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test.each(['SIGTERM', 'SIGHUP'] as const)('%s once up (the terminal closing): every server stopped, every file removed', async (signal) => {
    const run = startLocalCli();
    try {
      const dir = await run.dir();
      await waitFor('the ready banner', async () => run.state.out, (o) => o.includes('ready: the supercluster is up') || run.child.exitCode !== null, 120_000);
      expect(serversFrom(dir).split('\n')).toHaveLength(9);
      run.child.kill(signal);
      expect(await run.exited).toBe(0);
      expect(run.state.out).toContain(`stopping (${signal})`);
      expect(existsSync(dir)).toBe(false);
      expect(serversFrom(dir)).toBe('');
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  test('Ctrl-C while it is still starting: nothing is left behind', async () => {
    const run = startLocalCli();
    try {
      const dir = await run.dir();
      expect(run.state.out).not.toContain('ready: the supercluster is up');
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(serversFrom(dir)).toBe('');
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  test('a start that fails (servers that die at once) exits 1 and leaves nothing behind', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'harmony-dying-'));
    try {
      // Passes the version check and the config test, then dies when started.
      writeFileSync(join(bin, 'nats-server'), '#!/bin/sh\ncase "$1" in --version) echo "nats-server: v2.15.1";; -t) exit 0;; *) exit 1;; esac\n', { mode: 0o755 });
      const run = startLocalCli({ NATS_SERVER_BIN: join(bin, 'nats-server') });
      const dir = await run.dir();
      expect(await run.exited).toBe(1);
      expect(run.state.out).toMatch(/exited/);
      expect(existsSync(dir)).toBe(false);
      expect(serversFrom(dir)).toBe('');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('an exported AGE_IDENTITY_FILE alone does not switch it to the real secrets', async () => {
    const run = startLocalCli({ AGE_IDENTITY_FILE: '/nonexistent/identity.txt' });
    try {
      await run.dir();
      expect(run.state.out).toContain('AGE_IDENTITY_FILE is set but ignored: throwaway keys unless --identity <file> is given');
      expect(run.state.out).toContain('minting session keys and certificates');
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  test('refuses an unknown site clearly', () => {
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register', join(REPO, 'scripts', 'local.ts'), '--sites', 'site-9'], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--sites: unknown site "site-9"; the fleet has site-1, site-2, site-3');
  });

  test('a missing nats-server is a clear error with how to install it', () => {
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register', join(REPO, 'scripts', 'local.ts')], {
      cwd: REPO,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NATS_SERVER_BIN: '/nonexistent/nats-server' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/nats-server not found \(tried "\/nonexistent\/nats-server"\): run `sudo scripts\/fetch-nats-servers\.sh`/);
  });
});
