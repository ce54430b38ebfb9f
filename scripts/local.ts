/**
 * `npm run local [-- --sites a,b] [--identity <age identity>]`: the fleet's
 * NATS supercluster on this machine, from the deployed configuration. Stays
 * up until Ctrl-C (or SIGTERM, or the terminal closing), then removes every
 * process and file it made, on every exit path: a signal during start, a
 * failed start, an exception.
 *
 * It runs with throwaway keys and certificates unless `--identity` names an
 * age identity explicitly: an exported AGE_IDENTITY_FILE alone never puts
 * the fleet's real secrets into a temporary directory.
 */
import { parseArgs } from 'node:util';
import { fleet } from '../config/fleet';
import { readyBanner, startLocal } from '../lib/local/run-local';
import { closeAllClusters } from '../lib/local/supercluster';

const log = (line: string) => console.log(`[local] ${line}`);

let stopping = false;
/** Stops everything started so far, then exits: the one way out. */
async function stop(code: number, why: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    log(`stopping (${why})`);
    await closeAllClusters().catch((e: Error) => console.error(`local: cleanup failed: ${e.message}`));
  }
  return process.exit(code);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sites: { type: 'string' }, identity: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: false,
  });
  if (values.help) {
    console.log('usage: npm run local -- [--sites site-1,site-2] [--identity <age identity file>]');
    return;
  }
  // Installed before anything starts: a signal during start cleans up too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(0, signal));
  process.on('uncaughtException', (e) => {
    console.error(`local: ${e.message}`);
    void stop(1, 'error');
  });
  process.on('unhandledRejection', (e) => {
    console.error(`local: ${(e as Error)?.message ?? String(e)}`);
    void stop(1, 'error');
  });
  if (process.env.AGE_IDENTITY_FILE && !values.identity) log('AGE_IDENTITY_FILE is set but ignored: throwaway keys unless --identity <file> is given');
  const session = await startLocal({
    fleet,
    sites: values.sites?.split(',').map((s) => s.trim()).filter(Boolean),
    ageIdentity: values.identity,
    log,
  });
  console.log(readyBanner(session));
  // Stay up; signals end it.
  await new Promise(() => undefined);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`local: ${e.message}`);
    void stop(1, 'failed to start');
  },
);
