/**
 * `npm run test:e2e`: the e2e suite on real nats-server, once per version
 * line that matters: the newest unpacked one (closest to the chart's 2.14.2)
 * and the oldest supported one. NATS_SERVER_BIN, when set, selects one
 * binary and only that one runs. Extra arguments go to jest.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cachedNatsServers, checkNatsServer } from '../lib/local/nats-server';
import { MIN_NATS_VERSION, atLeast, parseVersion } from '../lib/nats/versions';
import type { Version } from '../lib/nats/versions';

function targets(): { version: string; bin: string }[] {
  const chosen = process.env.NATS_SERVER_BIN;
  if (chosen) return [{ version: checkNatsServer(chosen), bin: chosen }];
  const supported = cachedNatsServers().filter((s) => atLeast(parseVersion(s.version) as Version, MIN_NATS_VERSION));
  if (supported.length === 0) {
    throw new Error(
      `no supported nats-server in .cache/nats-server (${MIN_NATS_VERSION} or newer): run \`sudo scripts/fetch-nats-servers.sh\`, or set NATS_SERVER_BIN to one binary`,
    );
  }
  const newest = supported[0];
  const oldest = supported[supported.length - 1];
  return newest === oldest ? [newest] : [newest, oldest];
}

function main(): number {
  let runs: { version: string; bin: string }[];
  try {
    runs = targets();
  } catch (e) {
    process.stderr.write(`test:e2e: ${(e as Error).message}\n`);
    return 2;
  }
  const results: string[] = [];
  let failed = false;
  for (const { version, bin } of runs) {
    process.stderr.write(`\n=== e2e on nats-server ${version} (${bin})\n`);
    const started = Date.now();
    const jest = join(__dirname, '..', 'node_modules', '.bin', 'jest');
    const r = spawnSync(jest, ['--selectProjects', 'e2e', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, NATS_SERVER_BIN: bin } });
    const seconds = Math.round((Date.now() - started) / 1000);
    const ok = r.status === 0;
    failed ||= !ok;
    results.push(`e2e on nats-server ${version}: ${ok ? 'passed' : `FAILED (exit ${r.status ?? r.signal})`} in ${seconds} s`);
  }
  process.stderr.write(`\n${results.join('\n')}\n`);
  return failed ? 1 : 0;
}

process.exit(main());
