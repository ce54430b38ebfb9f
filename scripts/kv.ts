/**
 * `npm run kv -- <command>`: the HARMONY bucket's operator commands, over a
 * NATS connection to a surviving site (docs/kv-failover.md).
 *
 *   status                       the bucket's streams: where, online, messages, mirror lag
 *   promote --site <site>        make that site's mirror the origin after losing the home site
 *   apply [--site <site>]        show how the bucket's streams differ from the fleet, then create
 *                                and update them; destructive changes need --allow-destructive
 *                                (the in-cluster CronJob only creates what is missing)
 *   snapshot --out <dir>         a JetStream snapshot of the origin stream into <dir>, in the
 *                                format of natscli's `nats stream backup` (docs/kv-snapshots.md)
 *   restore --from <dir> [--site <site>] [--replace]
 *                                restore the origin from a snapshot directory (in the home site,
 *                                or <site>), replacing a damaged one only with --replace, then
 *                                delete and re-create every mirror from it
 *   seal                         refuse every further write to the origin (moving the bucket
 *                                into JWT mode's account, docs/jwt-migration.md)
 *   drop --snapshot <dir>        delete the bucket's streams, once sealed and snapshotted
 *
 * The seed comes from the file named by $NATS_SEED_FILE, or from the age
 * store (secrets/nats.age, decrypted with --identity or $AGE_IDENTITY_FILE):
 * the current key of `--as <identity>` (promote, apply and restore:
 * kv-admin, snapshot: kv-snapshot, status: monitor). The seed is never printed.
 * With config/jwt.json, the key's user JWT is presented beside the nkey.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Fleet } from '../config/types';
import { connectAs } from '../lib/kv/connect';
import type { PromotionReport, StreamStatus } from '../lib/kv/promote';
import { bucketStatus, originElsewhere, promoteMirror } from '../lib/kv/promote';
import type { StreamChange } from '../lib/kv/provision';
import { KvApplyRefusal, applyBucket, planBucket } from '../lib/kv/provision';
import type { RestoreReport } from '../lib/kv/snapshot';
import { KvRestoreRefusal, restoreBucket, snapshotBucket } from '../lib/kv/snapshot';
import { KvMoveRefusal, dropBucket, sealBucket } from '../lib/kv/move';
import { userJwtFor } from '../lib/nats/jwt-bundle';
import { publicKeyOf } from '../lib/nats/jwt';
import { IDENTITY_ENV } from '../lib/secrets/age';
import { currentKey } from '../lib/secrets/material';
import { readStore } from '../lib/secrets/store';
import type { ProcessIo } from './process-io';
import { runOnProcess } from './process-io';

export const SEED_FILE_ENV = 'NATS_SEED_FILE';
/** A port-forward to a site's client Service: `kubectl -n nats port-forward svc/nats 4222`. */
export const DEFAULT_SERVERS = 'nats://127.0.0.1:4222';
const DEFAULT_IDENTITY = { status: 'monitor', promote: 'kv-admin', apply: 'kv-admin', provision: 'kv-admin', snapshot: 'kv-snapshot', restore: 'kv-admin', seal: 'kv-admin', drop: 'kv-admin' } as const;
type Command = keyof typeof DEFAULT_IDENTITY;

export const USAGE = `usage: npm run kv -- <command> [options]

commands:
  status                    the bucket's streams: site, state, messages, last revision, mirror lag;
                            exit 1 when one is missing, misplaced or differs from the fleet
  promote --site <site>     make the mirror in <site> the bucket's origin (home site lost)
  apply [--site <site>]     show how the bucket's streams differ from the fleet, then create and update them
                            (all sites, or one); a change that can lose data needs --allow-destructive;
                            --dry-run shows the diff only (provision: the same)
  snapshot --out <dir>      snapshot the origin stream into <dir> (natscli \`nats stream backup\` format:
                            backup.json + stream.tar.s2); <dir> must not hold a snapshot yet
  restore --from <dir>      restore the origin from a snapshot directory into the home site (or --site),
                            under the origin's name, then delete and re-create every mirror from it;
                            an existing origin is replaced only with --replace (it says what is lost)
  seal                      refuse every further write to the origin (reads go on); one way: only a restore
                            brings the bucket back (moving it to JWT mode, docs/jwt-migration.md)
  drop --snapshot <dir>     delete every stream of the bucket; refused unless the origin is sealed and
                            <dir> is a snapshot of all it holds (docs/jwt-migration.md)

options:
  --servers <url,...>   NATS URLs of a surviving site (default: ${DEFAULT_SERVERS}, a port-forward)
  --as <identity>       whose seed to use (default: promote/apply/restore kv-admin, snapshot kv-snapshot,
                        status monitor)
  --identity <file>     your age identity for secrets/nats.age (default: $${IDENTITY_ENV})
  --force               promote although the origin is online or another mirror is further
  --allow-destructive   apply: also changes that lower a limit, seal, or lift a deny_* guard
  --dry-run             apply: print the diff, change nothing
  --out <dir>           snapshot: the directory to write
  --from <dir>          restore: the snapshot directory (e.g. restored from restic, docs/kv-snapshots.md)
  --replace             restore: delete the existing (damaged) origin first; everything written
                        after the snapshot is lost
  --snapshot <dir>      drop: the snapshot taken after the seal
  --site <site>         restore: the site to restore the origin into (default: the fleet's home site)
  --timeout <seconds>   bound on every wait (default: 60)

The seed is read from the file in $${SEED_FILE_ENV} when set, else from the store. When config/jwt.json
holds a user JWT for that seed's key (JWT mode, or auth.prepareJwt), it is presented beside the nkey.`;

export type KvCliIo = ProcessIo;

function seedFor(identity: string, identityFile: string | undefined, env: NodeJS.ProcessEnv): string {
  const file = env[SEED_FILE_ENV];
  if (file) {
    const seed = readFileSync(file, 'utf8').trim();
    if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new Error(`${file} (from $${SEED_FILE_ENV}) does not hold an nkey user seed`);
    return seed;
  }
  return currentKey(readStore(identityFile || env[IDENTITY_ENV] || undefined), identity).seed;
}

/** The plan as a diff an operator reviews: one line per stream, one per changed field. */
function diffLines(plan: readonly StreamChange[]): string[] {
  const show = (v: unknown) => JSON.stringify(v) ?? 'unset';
  return plan.flatMap((c) => {
    if (c.action === 'create') return [`+ ${c.stream} (${c.site}): create`];
    if (c.action === 'none') return [`  ${c.stream} (${c.site}): as the fleet says`];
    if (c.action === 'refuse') return [`! ${c.stream} (${c.site}): ${c.reason}`];
    return [
      `~ ${c.stream} (${c.site}): update${c.destructive.length ? `, DESTRUCTIVE: ${c.destructive.join(', ')}` : ''}`,
      ...c.fields.map((f) => `    ${f.field}: ${show(f.live)} -> ${show(f.wanted)}`),
    ];
  });
}

/** States that mean provisioning has not made the bucket what the fleet says. */
const NOT_PROVISIONED: readonly StreamStatus['state'][] = ['missing', 'misplaced', 'drifted'];

const statusLine = (s: StreamStatus): string =>
  [
    s.stream.padEnd(24),
    s.role.padEnd(8),
    (s.site ?? '-').padEnd(10),
    s.state.padEnd(10),
    s.cluster ? `in ${s.cluster}` : '',
    s.messages !== undefined ? `${s.messages} msgs, last revision ${s.lastSeq}` : '',
    s.lag !== undefined ? `lag ${s.lag}` : '',
    s.drift ? `differs: ${s.drift.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('  ');

function printReport(report: PromotionReport, out: (line: string) => void): void {
  const home = report.origin.site;
  const kv = report.fleet.account.kv;
  if (report.method === 'in-place') {
    out(`${report.origin.stream} is the origin in ${home}, promoted in place: ${report.origin.messages} messages, every revision kept (last ${report.origin.lastSeq})`);
  } else {
    out(`${report.origin.stream} is the origin in ${home}: ${report.origin.messages} messages, revisions 1..${report.origin.lastSeq}`);
    out(`recovered everything the ${home} mirror had, through old revision ${report.recoveredThrough}; copied messages were renumbered`);
  }
  if (report.deleted.length) out(`deleted: ${report.deleted.join(', ')}`);
  for (const m of report.mirrors) out(`mirror ${m.stream} in ${m.site}: ${m.action}${m.reason ? ` (${m.reason})` : ''}`);
  out('');
  out('next (docs/kv-failover.md):');
  out(
    kv.originStream
      ? `  1. in config/fleet.ts set account.kv.homeSite to '${home}' and account.kv.originStream to '${kv.originStream}', and commit`
      : `  1. set account.kv.homeSite to '${home}' in config/fleet.ts and commit it`,
  );
  out('  2. deploy every reachable site stack (npm run deploy -- nats-<site>): accounts, agents\' read settings and provisioning follow the new layout');
  out(
    report.method === 'in-place'
      ? `  3. restart the Harmony agents so they re-read their settings (ConfigMap harmony-agent-kv): the origin is ${report.origin.stream} by name now; revisions did not change`
      : '  3. restart the Harmony agents (revisions changed: watchers and compare-and-set must start over)',
  );
  const pending = report.mirrors.filter((m) => m.action === 'pending').map((m) => m.site);
  if (pending.length) out(`  4. when ${pending.join(', ')} is back: deploy its stack (or npm run kv -- provision --site <site>) to mirror the bucket back`);
}

function printRestore(report: RestoreReport, before: Fleet, out: (line: string) => void): void {
  const o = report.origin;
  out(`${o.stream} restored in ${o.site}: ${o.messages} messages, revisions ${o.firstSeq}..${o.lastSeq}, as in the snapshot (${report.restoreMs} ms)`);
  if (report.replaced?.offline) out('replaced: the old origin, which did not answer');
  else if (report.replaced) out(`replaced: ${report.replaced.messages} messages up to revision ${report.replaced.lastSeq} (in ${report.replaced.cluster})`);
  if (report.deleted.length) out(`deleted: ${report.deleted.join(', ')}`);
  for (const m of report.mirrors) out(`mirror ${m.stream} in ${m.site}: ${m.action}${m.action === 'pending' ? ` (${m.reason})` : m.caughtUp ? ', holds every revision' : ', still copying'}`);
  out('');
  out('next (docs/kv-snapshots.md):');
  let step = 1;
  if (o.site !== before.account.kv.homeSite) {
    out(`  ${step++}. set account.kv.homeSite to '${o.site}' in config/fleet.ts, commit, and deploy every reachable site stack (the snapshot CronJob moves with it)`);
  }
  out(`  ${step++}. restart the Harmony agents: revisions after ${o.lastSeq} were written again or not at all; watchers and compare-and-set start over`);
  const pending = report.mirrors.filter((m) => m.action === 'pending').map((m) => m.site);
  if (pending.length) out(`  ${step++}. when ${pending.join(', ')} is back: deploy its stack (or npm run kv -- provision --site <site>) to mirror the bucket again`);
}

/** Runs one command; resolves to the exit status. */
export async function runKvCli(argv: readonly string[], io: KvCliIo): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        site: { type: 'string' },
        servers: { type: 'string' },
        as: { type: 'string' },
        identity: { type: 'string' },
        force: { type: 'boolean' },
        'allow-destructive': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        out: { type: 'string' },
        from: { type: 'string' },
        replace: { type: 'boolean' },
        snapshot: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const command = positionals[0] as Command | undefined;
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  if (!(command in DEFAULT_IDENTITY) || positionals.length > 1) {
    io.err(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  if (command === 'promote' && !values.site) {
    io.err(`promote needs --site <site>: the surviving site whose mirror becomes the origin\n\n${USAGE}`);
    return 2;
  }
  if (command === 'snapshot' && !values.out) {
    io.err(`snapshot needs --out <dir>: an empty directory to write the snapshot into\n\n${USAGE}`);
    return 2;
  }
  if (command === 'restore' && !values.from) {
    io.err(`restore needs --from <dir>: a snapshot directory (backup.json and stream.tar.s2)\n\n${USAGE}`);
    return 2;
  }
  if (command === 'drop' && !values.snapshot) {
    io.err(`drop needs --snapshot <dir>: the snapshot taken after \`seal\`, which must hold everything the origin holds\n\n${USAGE}`);
    return 2;
  }
  const sites = io.fleet.sites.map((s) => s.name);
  if (values.site && !sites.includes(values.site)) {
    io.err(`unknown site "${values.site}"; the fleet has ${sites.join(', ')}`);
    return 2;
  }
  const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    io.err(`--timeout must be a number of seconds, got "${values.timeout}"`);
    return 2;
  }

  const identity = values.as ?? DEFAULT_IDENTITY[command];
  const servers = (values.servers ?? DEFAULT_SERVERS).split(',').map((s) => s.trim()).filter(Boolean);
  let nc;
  try {
    const seed = seedFor(identity, values.identity, io.env);
    const jwt = io.jwts && userJwtFor(io.jwts, publicKeyOf(seed));
    nc = await connectAs(identity, servers, { seed, jwt }, `harmony-kv-${command}`);
  } catch (e) {
    io.err(`cannot connect to ${servers.join(', ')} as ${identity}: ${(e as Error).message}`);
    return 1;
  }
  try {
    if (command === 'status') {
      const statuses = await bucketStatus(nc, io.fleet, timeoutMs);
      for (const s of statuses) io.out(statusLine(s));
      const unconverged = statuses.filter((s) => NOT_PROVISIONED.includes(s.state));
      if (unconverged.length > 0) {
        io.err(`provisioning has not converged: ${unconverged.map((s) => `${s.stream} ${s.state}`).join(', ')}`);
        io.err(`  each site's CronJob retries every 5 minutes; its last failures: kubectl -n nats get jobs -l app.kubernetes.io/name=harmony-kv-provisioner, then kubectl -n nats logs job/<name>`);
        io.err('  misplaced: the fleet disagrees with a promotion (docs/kv-failover.md); missing or drifted: `npm run kv -- apply` shows the diff and applies the fleet');
        return 1;
      }
    } else if (command === 'snapshot') {
      const result = await snapshotBucket(nc, io.fleet, values.out!);
      const s = result.state;
      io.out(`${result.stream}: ${s.messages} messages, revisions ${s.first_seq}..${s.last_seq} (${s.bytes} bytes), snapshot of ${result.bytes} bytes in ${result.dir} (${result.ms} ms)`);
    } else if (command === 'restore') {
      try {
        const report = await restoreBucket(nc, { fleet: io.fleet, dir: values.from!, site: values.site, replace: values.replace, timeoutMs, log: (line) => io.err(line) });
        printRestore(report, io.fleet, io.out);
      } catch (e) {
        if (!(e instanceof KvRestoreRefusal)) throw e;
        io.err(`${e.message}\nnothing was changed`);
        return 3;
      }
    } else if (command === 'seal') {
      const sealed = await sealBucket(nc, io.fleet, timeoutMs);
      io.out(`${sealed.stream} is sealed: ${sealed.messages} messages, last revision ${sealed.lastSeq}; every write is refused from now on`);
      io.out('next (docs/jwt-migration.md): npm run kv -- snapshot --out <dir>');
    } else if (command === 'drop') {
      try {
        const { deleted } = await dropBucket(nc, io.fleet, values.snapshot!, timeoutMs);
        io.out(`deleted: ${deleted.join(', ')}`);
        io.out('next (docs/jwt-migration.md): restart every NATS server of every site together, then npm run kv -- restore --from <dir>');
      } catch (e) {
        if (!(e instanceof KvMoveRefusal)) throw e;
        io.err(`${e.message}\nnothing was changed`);
        return 3;
      }
    } else if (command === 'promote') {
      const report = await promoteMirror(nc, { fleet: io.fleet, site: values.site!, force: values.force, timeoutMs, log: (line) => io.err(line) });
      printReport(report, io.out);
    } else {
      const actual = await originElsewhere(nc, io.fleet, timeoutMs);
      if (actual) {
        io.err(`the origin lives in ${actual} but the fleet's account.kv.homeSite is ${io.fleet.account.kv.homeSite}: set it to '${actual}' first (provisioning would try to move the origin)`);
        return 1;
      }
      const siteList = values.site ? [values.site] : undefined;
      const plan = await planBucket(nc, io.fleet, siteList);
      for (const line of diffLines(plan)) io.out(line);
      if (values['dry-run']) return plan.some((c) => c.action !== 'none') ? 1 : 0;
      try {
        const { results } = await applyBucket(nc, io.fleet, { sites: siteList, allowDestructive: values['allow-destructive'] });
        for (const [stream, action] of results) io.out(`${stream}: ${action}`);
      } catch (e) {
        if (!(e instanceof KvApplyRefusal)) throw e;
        io.err(`refusing, nothing was changed:\n${e.message}`);
        return 3;
      }
    }
    return 0;
  } catch (e) {
    io.err(`${command} failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await nc.close();
  }
}

if (require.main === module) runOnProcess(runKvCli);
