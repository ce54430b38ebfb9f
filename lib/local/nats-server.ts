import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

/** The oldest server the local supercluster supports: Debian 12's, and what the e2e tests use. */
export const MIN_NATS_SERVER = [2, 9, 0] as const;

const INSTALL_HINT = 'install it with `apt-get install nats-server` (Debian/Ubuntu) or from https://github.com/nats-io/nats-server/releases, or set NATS_SERVER_BIN';

export const natsServerBin = (): string => process.env.NATS_SERVER_BIN ?? 'nats-server';

/** The installed nats-server's version; a clear error when it is missing or too old. */
export function checkNatsServer(bin: string = natsServerBin()): string {
  let out: string;
  try {
    out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  } catch {
    throw new Error(`nats-server not found (tried "${bin}"): ${INSTALL_HINT}`);
  }
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!match) throw new Error(`cannot read the version of ${bin} ("${out.trim()}"): ${INSTALL_HINT}`);
  const version = match.slice(1, 4).map(Number);
  const tooOld = version[0] * 1e6 + version[1] * 1e3 + version[2] < MIN_NATS_SERVER[0] * 1e6 + MIN_NATS_SERVER[1] * 1e3 + MIN_NATS_SERVER[2];
  if (tooOld) throw new Error(`nats-server ${version.join('.')} is too old: the local supercluster needs ${MIN_NATS_SERVER.join('.')} or newer; ${INSTALL_HINT}`);
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
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
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
