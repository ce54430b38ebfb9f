import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from './loopback-port';

/** Debian's package name for blackbox_exporter (0.23 here); BLACKBOX_EXPORTER_BIN selects another. */
export const BLACKBOX_BIN = process.env.BLACKBOX_EXPORTER_BIN ?? 'prometheus-blackbox-exporter';

const INSTALL_HINT = 'on Debian `apt-get install prometheus-blackbox-exporter`, or set BLACKBOX_EXPORTER_BIN to a blackbox_exporter binary';

/** `blackbox_exporter --config.check`: throws with its message when the file is refused. */
export function checkBlackboxConfig(configPath: string): void {
  try {
    execFileSync(BLACKBOX_BIN, ['--config.check', `--config.file=${configPath}`], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer; stdout?: Buffer };
    if (err.code === 'ENOENT') throw new Error(`blackbox_exporter not found (tried "${BLACKBOX_BIN}"): ${INSTALL_HINT}`);
    throw new Error(`blackbox_exporter refused ${configPath}: ${String(err.stderr ?? '') + String(err.stdout ?? '')}`.trim());
  }
}

/** One probe as `/probe?debug=true` reports it. */
export interface ProbeResult {
  /** The metrics a scrape would have returned, by their full name with labels (`probe_success`, `probe_tls_version_info{version="TLS 1.3"}`). */
  readonly metrics: ReadonlyMap<string, number>;
  /** The prober's log lines for this probe. */
  readonly log: string;
}

/** Reads the debug page: "Logs for the probe:", "Metrics that would have been returned:", "Module configuration:". */
export function parseDebugProbe(text: string): ProbeResult {
  const section = (title: string, next: string): string => {
    const start = text.indexOf(title);
    if (start < 0) throw new Error(`no "${title}" in blackbox_exporter's answer:\n${text}`);
    const end = text.indexOf(next, start);
    return text.slice(start + title.length, end < 0 ? undefined : end);
  };
  const metrics = new Map<string, number>();
  for (const line of section('Metrics that would have been returned:', 'Module configuration:').split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{.*\})?) (\S+)$/.exec(line.trim());
    if (m) metrics.set(m[1], Number(m[2]));
  }
  return { metrics, log: section('Logs for the probe:', 'Metrics that would have been returned:') };
}

export interface Blackbox {
  readonly url: string;
  readonly logPath: string;
  /** Probes `target` (host:port) with `module`. */
  readonly probe: (module: string, target: string) => Promise<ProbeResult>;
  readonly stop: () => Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
const tail = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : '(no log)');

/**
 * blackbox_exporter on 127.0.0.1 with `configPath`, its log in `dir`;
 * resolves once it answers /-/healthy. stop() ends it (SIGTERM, then
 * SIGKILL); a process exit kills whatever is left.
 */
export async function startBlackbox(configPath: string, dir: string, timeoutMs = 10_000): Promise<Blackbox> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(dir, `blackbox-${port}.log`);
  const log = openSync(logPath, 'a');
  const child = spawn(BLACKBOX_BIN, [`--config.file=${configPath}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', log, log] });
  closeSync(log);
  running.add(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  child.once('exit', () => running.delete(child));

  const stop = (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`blackbox_exporter did not start (tried "${BLACKBOX_BIN}": ${spawnError.message}): ${INSTALL_HINT}`);
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited (${child.exitCode}):\n${tail(logPath)}`);
    const healthy = await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`blackbox_exporter did not answer on ${url} within ${timeoutMs} ms:\n${tail(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const probe = async (module: string, target: string): Promise<ProbeResult> => {
    const query = new URLSearchParams({ module, target, debug: 'true' });
    const response = await fetch(`${url}/probe?${query}`, { signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`probe ${module} ${target}: HTTP ${response.status}: ${text}`);
    return parseDebugProbe(text);
  };
  return { url, logPath, probe, stop };
}
