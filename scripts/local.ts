/**
 * `npm run local [-- --sites a,b] [--identity <age identity>]`: the fleet's
 * NATS supercluster on this machine, from the deployed configuration. Stays
 * up until Ctrl-C, then removes every process and file it made.
 */
import { parseArgs } from 'node:util';
import { fleet } from '../config/fleet';
import { readyBanner, startLocal } from '../lib/local/run-local';
import type { LocalSession } from '../lib/local/run-local';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { sites: { type: 'string' }, identity: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: false,
  });
  if (values.help) {
    console.log('usage: npm run local -- [--sites site-1,site-2] [--identity <age identity file>]');
    return 0;
  }
  const log = (line: string) => console.log(`[local] ${line}`);
  let session: LocalSession | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    await session?.cluster.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  session = await startLocal({
    fleet,
    sites: values.sites?.split(',').map((s) => s.trim()).filter(Boolean),
    ageIdentity: values.identity ?? process.env.AGE_IDENTITY_FILE,
    log,
  });
  console.log(readyBanner(session));
  // Stay up; signals end it.
  await new Promise(() => undefined);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`local: ${e.message}`);
    process.exit(1);
  },
);
