import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_NATS_VERSION, atLeast, compareVersions, parseVersion } from '../nats/versions';
import type { Version } from '../nats/versions';

const INSTALL_HINT =
  'run `sudo scripts/fetch-nats-servers.sh` (Debian: unpacks trixie\'s and sid\'s builds into .cache/nats-server/ beside the system package), ' +
  'download one from https://github.com/nats-io/nats-server/releases, or set NATS_SERVER_BIN';

/** Where scripts/fetch-nats-servers.sh unpacks each version. */
export const NATS_SERVER_CACHE = join(__dirname, '..', '..', '.cache', 'nats-server');

/** The binaries in the cache, newest first. */
export function cachedNatsServers(cache: string = NATS_SERVER_CACHE): { readonly version: string; readonly bin: string }[] {
  if (!existsSync(cache)) return [];
  return readdirSync(cache)
    .map((dir) => ({ version: dir, parsed: parseVersion(dir), bin: join(cache, dir, 'usr', 'sbin', 'nats-server') }))
    .filter((e): e is { version: string; parsed: Version; bin: string } => e.parsed !== undefined && existsSync(e.bin))
    .sort((a, b) => compareVersions(b.parsed, a.parsed))
    .map(({ version, bin }) => ({ version, bin }));
}

/**
 * The server to run: NATS_SERVER_BIN when set (the one variable that selects
 * the binary), else the newest in the cache, else `nats-server` on the PATH.
 */
export const natsServerBin = (): string => process.env.NATS_SERVER_BIN ?? cachedNatsServers()[0]?.bin ?? 'nats-server';

/** The installed nats-server's version; a clear error when it is missing or too old. */
export function checkNatsServer(bin: string = natsServerBin()): string {
  let out: string;
  try {
    out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  } catch {
    throw new Error(`nats-server not found (tried "${bin}"): ${INSTALL_HINT}`);
  }
  const match = /v?(\d+\.\d+\.\d+)/.exec(out);
  const version = match ? parseVersion(match[1]) : undefined;
  if (!version) throw new Error(`cannot read the version of ${bin} ("${out.trim()}"): ${INSTALL_HINT}`);
  if (!atLeast(version, MIN_NATS_VERSION)) {
    throw new Error(`nats-server ${version.join('.')} is too old: the fleet supports ${MIN_NATS_VERSION} or newer; ${INSTALL_HINT}`);
  }
  return version.join('.');
}

/** Runs `nats-server -t` on a config: throws with the server's own message when invalid. */
export function testConfig(confPath: string, env: NodeJS.ProcessEnv, bin: string = natsServerBin()): void {
  try {
    execFileSync(bin, ['-t', '-c', confPath], { env, stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`nats-server -t rejected ${confPath}: ${String(err.stderr ?? '') + String(err.stdout ?? '')}`.trim());
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last line of defence: never leave a server behind when this process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  // A signal nothing handles ends the process without 'exit' (a jest worker
  // killed by SIGTERM, a terminal closed): then the servers go first, and the
  // process still dies of that signal. A program with its own handler
  // (scripts/local.ts stops its servers gracefully) keeps it.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Starts one server; its output goes to `logPath`. */
export function spawnServer(confPath: string, env: NodeJS.ProcessEnv, logPath: string, bin: string = natsServerBin()): ChildProcess {
  installExitHook();
  const log = openSync(logPath, 'a');
  const child = spawn(bin, ['-c', confPath], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopServer(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
