import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInbox } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { kvLayout, originStreamName } from '../nats/kv-placement';
import { JsApiError, isNotFound, isOffline, isTransient, jsApi } from './js-api';
import type { StreamInfo } from './promote';
import { deleteStream, promotedFleet, streamNames } from './promote';
import { KvApplyRefusal, applyBucket } from './provision';
import { originStreamConfig } from './stream-configs';

/*
 * Point-in-time copies of the bucket's origin stream, over JetStream's own
 * snapshot and restore API (nats-server server/jetstream_api.go,
 * jsStreamSnapshotRequest / streamSnapshot and jsStreamRestoreRequest /
 * processStreamRestore; read on 2.10.27 and main):
 *
 * Snapshot: `$JS.API.STREAM.SNAPSHOT.<stream>` with a `deliver_subject` the
 * client subscribes to first. The stream leader answers with the stream's
 * config and state, then sends the snapshot (an s2-compressed tar of the
 * stream's files) in chunks to the deliver subject. Each chunk but the last
 * carries a reply subject `$JS.SNAPSHOT.ACK.<stream>.<id>.<size>.<n>`: the
 * server keeps at most a window (8 MiB) unacknowledged and gives up with
 * "408 No Flow Response" when the client stops answering. An empty message
 * ends the stream: status 204 (or none) is success, any other status (408
 * No Interest, 500 <error>) is a failure.
 *
 * Restore: `$JS.API.STREAM.RESTORE.<stream>` with `{config, state}`; the
 * reply names a `deliver_subject` (`$JS.SNAPSHOT.RESTORE.<stream>.<id>`) to
 * send the same bytes to, each chunk as a request the server acknowledges
 * with an empty reply (or an API error), then an empty request, answered
 * with a stream create response once the stream exists. The server refuses
 * a name that is taken (10130) and a name different from the snapshot's
 * ("stream names do not match"): JetStream cannot rename on restore.
 *
 * The directory format is natscli's `nats stream backup` (jsm.go
 * snapshots.go, `SnapshotToDirectory`, the same since jsm.go v0.2.4, which
 * natscli 0.2.4 in nats-box 0.18.1 uses): `backup.json`, the snapshot
 * response's `{"config": ..., "state": ...}` indented by two spaces, and
 * `stream.tar.s2`, the chunks exactly as the server sent them. So a
 * directory the in-cluster CronJob made with natscli restores here, and one
 * made here restores with `nats stream restore`.
 */

/** The files of a snapshot directory, named as jsm.go names them. */
export const SNAPSHOT_FILES = { meta: 'backup.json', data: 'stream.tar.s2' } as const;

/** The stream state a snapshot records (the server's StreamState JSON, the fields read here). */
export interface SnapshotState {
  readonly messages: number;
  readonly bytes: number;
  readonly first_seq: number;
  readonly last_seq: number;
  readonly first_ts?: string;
  readonly last_ts?: string;
  readonly num_subjects?: number;
  readonly num_deleted?: number;
}

/** `backup.json`: the restore request body as natscli writes it. */
export interface SnapshotMeta {
  readonly config: Record<string, unknown> & { readonly name: string; readonly storage?: string };
  readonly state: SnapshotState;
}

export interface SnapshotOptions {
  /**
   * Bytes per chunk the server sends (clamped by the server to 1 KiB..1 MiB).
   * @default 128 KiB, natscli's default
   */
  readonly chunkSize?: number;
  /**
   * Give up when no chunk arrives for this long.
   * @default 5000 ms, natscli's idle timeout
   */
  readonly idleTimeoutMs?: number;
  /**
   * Subject prefix of the deliver subject: the identity's own inbox (lib/nats/permissions.ts).
   * @default the connection's `inboxPrefix`
   */
  readonly inboxPrefix?: string;
}

export interface SnapshotResult {
  readonly dir: string;
  readonly stream: string;
  /** The state the server reported: what a restore brings back. */
  readonly state: SnapshotState;
  /** Size of `stream.tar.s2`. */
  readonly bytes: number;
  readonly chunks: number;
  readonly ms: number;
}

const decoder = new TextDecoder();

type ApiErrorJson = { readonly error?: { readonly code: number; readonly err_code: number; readonly description: string } };

const connectionInboxPrefix = (nc: NatsConnection): string | undefined => (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;

/**
 * Writes a snapshot of `stream` into `dir` (created; it must not hold a
 * snapshot already). The data goes to a temporary name and `backup.json` is
 * written last, so a directory with `backup.json` is always complete.
 * Consumers are left out: the bucket's consumers are watchers of agents
 * whose connections will be long gone by the time anyone restores.
 */
export async function snapshotStream(nc: NatsConnection, stream: string, dir: string, options: SnapshotOptions = {}): Promise<SnapshotResult> {
  const started = Date.now();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const metaFile = join(dir, SNAPSHOT_FILES.meta);
  const dataFile = join(dir, SNAPSHOT_FILES.data);
  if (existsSync(metaFile) || existsSync(dataFile)) throw new Error(`${dir} already holds a snapshot (${SNAPSHOT_FILES.meta} or ${SNAPSHOT_FILES.data}): choose an empty directory`);
  const partial = `${dataFile}.partial`;
  const idleTimeoutMs = options.idleTimeoutMs ?? 5000;
  const deliver = createInbox(options.inboxPrefix ?? connectionInboxPrefix(nc));
  const fd = openSync(partial, 'w', 0o600);
  let fdOpen = true;
  let bytes = 0;
  let chunks = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Settled before anyone awaits it when the request fails: never an unhandled rejection.
  done.catch(() => undefined);
  const fail = (why: string) => settle!.reject(new Error(`snapshot of ${stream}: ${why}`));
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => fail(`no data for ${idleTimeoutMs} ms (is the stream leader reachable?)`), idleTimeoutMs);
  };
  const sub = nc.subscribe(deliver, {
    callback: (err: Error | null, m: Msg) => {
      if (err) return fail(err.message);
      armIdle();
      if (m.data.length === 0) {
        // The end: 204 (or no status at all when nothing was sent) is success; 408/500 is the server giving up.
        const code = m.headers?.code ?? 0;
        if (code !== 0 && code !== 204) fail(`the server ended it with ${code} ${m.headers?.description ?? ''}`.trim());
        else settle!.resolve();
        return;
      }
      try {
        writeSync(fd, m.data);
      } catch (e) {
        return fail(`cannot write ${partial}: ${(e as Error).message}`);
      }
      bytes += m.data.length;
      chunks++;
      // Flow control: the server sends no more than its window until this arrives.
      if (m.reply) m.respond();
    },
  });
  try {
    // Interest first, then the request: the server waits only 2 s for a subscriber.
    await nc.flush();
    armIdle();
    const meta = await jsApi<SnapshotMeta>(nc, `STREAM.SNAPSHOT.${stream}`, { deliver_subject: deliver, no_consumers: true, chunk_size: options.chunkSize ?? 128 * 1024 }, Math.max(idleTimeoutMs, 5000));
    await done;
    fsyncSync(fd);
    closeSync(fd);
    fdOpen = false;
    renameSync(partial, dataFile);
    // natscli writes the snapshot response's config and state, indented by two spaces (Go's json.MarshalIndent of a map: keys sorted).
    writeFileSync(metaFile, JSON.stringify({ config: meta.config, state: meta.state }, null, 2), { mode: 0o600 });
    return { dir, stream, state: meta.state, bytes, chunks, ms: Date.now() - started };
  } catch (e) {
    if (fdOpen) closeSync(fd);
    rmSync(partial, { force: true });
    throw e;
  } finally {
    if (idle) clearTimeout(idle);
    sub.unsubscribe();
  }
}

/** Reads and checks a snapshot directory's `backup.json`; the data file must exist. */
export function readSnapshot(dir: string): SnapshotMeta & { readonly dataBytes: number } {
  const metaFile = join(dir, SNAPSHOT_FILES.meta);
  const dataFile = join(dir, SNAPSHOT_FILES.data);
  for (const file of [metaFile, dataFile]) {
    if (!existsSync(file)) throw new Error(`${file} does not exist: ${dir} is not a snapshot directory (natscli's \`nats stream backup\` or \`npm run kv -- snapshot\` writes ${SNAPSHOT_FILES.meta} and ${SNAPSHOT_FILES.data})`);
  }
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as SnapshotMeta;
  } catch (e) {
    throw new Error(`${metaFile} is not JSON: ${(e as Error).message}`);
  }
  if (typeof meta?.config?.name !== 'string' || typeof meta?.state?.last_seq !== 'number' || typeof meta.state.messages !== 'number') {
    throw new Error(`${metaFile} lacks config.name, state.messages or state.last_seq: not a stream snapshot`);
  }
  return { ...meta, dataBytes: statSync(dataFile).size };
}

export interface RestoreStreamOptions {
  /**
   * The configuration to restore with; its name must be the snapshot's.
   * @default the snapshot's own configuration
   */
  readonly config?: Record<string, unknown> & { readonly name: string };
  /**
   * Bytes per chunk sent.
   * @default 128 KiB (max_payload is 1 MiB)
   */
  readonly chunkSize?: number;
  /** Bound on each request, and on the server's final answer. @default 60000 */
  readonly timeoutMs?: number;
}

/** The stream state the restore's final answer reports. */
export interface RestoredStream {
  readonly config: Record<string, unknown>;
  readonly state: SnapshotState;
  readonly ms: number;
}

/**
 * Restores the snapshot in `dir` as a new stream (JetStream refuses a name
 * that exists: delete it first). Every API answer is checked; a refusal
 * throws JsApiError with the server's description.
 */
export async function restoreStream(nc: NatsConnection, dir: string, options: RestoreStreamOptions = {}): Promise<RestoredStream> {
  const started = Date.now();
  const meta = readSnapshot(dir);
  const config = options.config ?? meta.config;
  if (config.name !== meta.config.name) {
    throw new Error(`the snapshot in ${dir} is of ${meta.config.name}; JetStream restores a snapshot only under its own name (nats-server "stream names do not match"), not as ${config.name}`);
  }
  if (meta.config.storage === 'memory') throw new Error(`${meta.config.name} is a memory stream: JetStream snapshots only file streams`);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { deliver_subject: deliver } = await jsApi<{ deliver_subject: string }>(nc, `STREAM.RESTORE.${config.name}`, { config, state: meta.state }, timeoutMs);
  if (!deliver) throw new Error(`$JS.API.STREAM.RESTORE.${config.name}: the server named no deliver subject`);
  const chunkSize = options.chunkSize ?? 128 * 1024;
  const fd = openSync(join(dir, SNAPSHOT_FILES.data), 'r');
  const subject = `${deliver} (restore of ${config.name})`;
  try {
    const chunk = Buffer.alloc(chunkSize);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkSize, null);
      if (n === 0) break;
      const reply = await deliverChunk(nc, deliver, chunk.subarray(0, n), timeoutMs);
      // An empty reply acknowledges the chunk; anything else is the server's error.
      if (reply.data.length > 0) throwIfError(subject, reply.data);
    }
  } finally {
    closeSync(fd);
  }
  // The empty message ends the transfer; the answer comes once the stream exists.
  const final = await deliverChunk(nc, deliver, new Uint8Array(0), timeoutMs);
  const answer = throwIfError(subject, final.data) as { config?: Record<string, unknown>; state?: SnapshotState };
  if (!answer.state || !answer.config) throw new Error(`${subject}: unexpected final answer ${decoder.decode(final.data).slice(0, 200)}`);
  return { config: answer.config, state: answer.state, ms: Date.now() - started };
}

/**
 * One chunk to the restore's deliver subject. The server subscribes to it
 * before it answers the RESTORE request, but the client's own server may
 * not know that interest yet: nats-server 2.10.27 answered the first chunk
 * "no responders" (test run on loopback). Nothing was delivered then, so
 * the chunk is sent again, until `timeoutMs`.
 */
async function deliverChunk(nc: NatsConnection, deliver: string, data: Uint8Array, timeoutMs: number): Promise<Msg> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await nc.request(deliver, data, { timeout: timeoutMs });
    } catch (e) {
      if (!/no responders/i.test(`${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`) || Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
}

function throwIfError(subject: string, data: Uint8Array): Record<string, unknown> {
  const text = decoder.decode(data);
  let parsed: ApiErrorJson & Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as ApiErrorJson & Record<string, unknown>;
  } catch {
    throw new Error(`${subject}: unexpected reply ${text.slice(0, 200)}`);
  }
  if (parsed.error) throw new JsApiError(subject, parsed.error.code, parsed.error.err_code, parsed.error.description);
  return parsed;
}

/** The fleet's origin stream, snapshotted into `dir`. */
export const snapshotBucket = (nc: NatsConnection, fleet: Fleet, dir: string, options: SnapshotOptions = {}): Promise<SnapshotResult> =>
  snapshotStream(nc, originStreamName(fleet), dir, options);

/** What a restore would do before it changes anything, or why it may not. */
export class KvRestoreRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvRestoreRefusal';
  }
}

export interface RestoreBucketOptions {
  /** The fleet as deployed now. */
  readonly fleet: Fleet;
  /** A snapshot directory (natscli's `nats stream backup` format). */
  readonly dir: string;
  /**
   * The site to restore the origin into.
   * @default the fleet's home site
   */
  readonly site?: string;
  /**
   * Delete the existing origin (and, restoring into another site, that
   * site's mirror) to make room. Without it a restore over an existing
   * origin is refused with what would be lost.
   * @default false
   */
  readonly replace?: boolean;
  /** Bound on every wait. @default 60000 */
  readonly timeoutMs?: number;
  /** Progress lines. @default silent */
  readonly log?: (line: string) => void;
}

export interface RestoredMirror {
  readonly site: string;
  readonly stream: string;
  /** `recreated`: it existed (and may have copied the damage); `created`: it did not; `pending`: its site did not take it (down?). */
  readonly action: 'recreated' | 'created' | 'pending';
  /** It holds every revision of the restored origin (checked within the timeout). */
  readonly caughtUp: boolean;
  readonly reason?: string;
}

export interface RestoreReport {
  /** The fleet to deploy from now on: the home site is where the origin now lives. */
  readonly fleet: Fleet;
  readonly origin: { readonly stream: string; readonly site: string; readonly messages: number; readonly firstSeq: number; readonly lastSeq: number };
  /** The snapshot's state: what came back. */
  readonly snapshot: SnapshotState;
  /** The origin that was replaced, as it was (undefined: there was none; `offline`: it did not answer). */
  readonly replaced?: { readonly cluster?: string; readonly messages?: number; readonly lastSeq?: number; readonly offline?: boolean };
  readonly deleted: readonly string[];
  readonly mirrors: readonly RestoredMirror[];
  readonly restoreMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (true) or the deadline passes (false); transient and not-yet-there errors are retried. */
async function until(deadline: number, check: () => Promise<boolean>): Promise<boolean> {
  while (Date.now() <= deadline) {
    try {
      if (await check()) return true;
    } catch (e) {
      if (!isTransient(e) && !isOffline(e) && !isNotFound(e)) throw e;
    }
    await sleep(200);
  }
  return false;
}

/** Stream info, or `offline` when no leader answers, or undefined when it does not exist. */
async function infoOf(nc: NatsConnection, stream: string): Promise<StreamInfo | 'offline' | undefined> {
  try {
    return await jsApi<StreamInfo>(nc, `STREAM.INFO.${stream}`);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    if (isOffline(e) || isTransient(e)) return 'offline';
    throw e;
  }
}

/** The restore's plan, refused before anything changes when it may not run as asked. */
async function planRestore(nc: NatsConnection, options: RestoreBucketOptions, meta: SnapshotMeta, deadline: number) {
  const { fleet } = options;
  const site = options.site ?? fleet.account.kv.homeSite;
  if (!fleet.sites.some((s) => s.name === site)) throw new KvRestoreRefusal(`unknown site "${site}"; the fleet has ${fleet.sites.map((s) => s.name).join(', ')}`);
  const target = site === fleet.account.kv.homeSite ? fleet : promotedFleet(fleet, site);
  const layout = kvLayout(target);
  const origin = layout.origin.stream;
  if (layout.mirrors.some((m) => m.stream === origin)) {
    throw new KvRestoreRefusal(
      `the origin is ${origin} (account.kv.originStream, an in-place promotion), which is the name of ${layout.mirrors.find((m) => m.stream === origin)!.site}'s mirror: ` +
        `restore it into that site (--site ${layout.mirrors.find((m) => m.stream === origin)!.site}) or set originStream to match the snapshot`,
    );
  }
  if (meta.config.name !== origin) {
    throw new KvRestoreRefusal(
      `the snapshot is of ${meta.config.name} but the fleet's origin is ${origin}: JetStream restores a snapshot only under its own name; ` +
        (meta.config.name.startsWith(`${origin}_`) || origin.startsWith(`${meta.config.name}_`)
          ? `set account.kv.originStream to '${meta.config.name}' (the origin's name when the snapshot was taken) if that is the bucket you want back`
          : 'this snapshot is not of this bucket'),
    );
  }
  const names = await streamNames(nc, deadline);
  const existing = names.has(origin) ? await infoOf(nc, origin) : undefined;
  // Restoring into another site: that site's mirror makes way for the origin.
  const ownMirror = site !== fleet.account.kv.homeSite ? kvLayout(fleet).mirrors.find((m) => m.site === site)?.stream : undefined;
  const displaced = ownMirror && names.has(ownMirror) ? ownMirror : undefined;
  if ((names.has(origin) || displaced) && !options.replace) {
    const s = meta.state;
    const lines = [`refusing to restore: ${origin} exists; restoring replaces it (pass --replace):`];
    if (existing === 'offline') lines.push(`  ${origin} does not answer (its site down?): it is deleted, and with it whatever it holds beyond the snapshot`);
    else if (existing) {
      const newer = existing.state.last_seq - s.last_seq;
      lines.push(
        `  ${origin} in ${existing.cluster?.name ?? '?'} now: ${existing.state.messages} messages, revisions up to ${existing.state.last_seq}`,
        newer > 0
          ? `  LOST: ${newer} revision(s) written after the snapshot (${s.last_seq + 1}..${existing.state.last_seq}), the good ones with the bad`
          : newer < 0
            ? `  the snapshot is NEWER than ${origin} (revisions up to ${s.last_seq}): the origin was recreated or rebuilt since`
            : `  nothing written since the snapshot is lost (last revision ${s.last_seq} in both)`,
      );
    }
    lines.push(`  back: the snapshot, ${s.messages} messages, revisions ${s.first_seq}..${s.last_seq}${s.last_ts ? `, last written ${s.last_ts}` : ''}`);
    if (displaced) lines.push(`  ${displaced} (the mirror in ${site}) is deleted: the origin takes its place`);
    lines.push(`  every mirror (${layout.mirrors.map((m) => m.stream).join(', ')}) is deleted and created again from the restored origin`);
    throw new KvRestoreRefusal(lines.join('\n'));
  }
  return { site, target, origin, existing, displaced, exists: names.has(origin) };
}

/**
 * Restores the bucket's origin from a snapshot directory, in the fleet's
 * home site or in `site`, then brings every mirror back in step.
 *
 * A mirror that copied the damage is AHEAD of the restored origin (its last
 * revision is the damaged origin's, and it would only copy revisions after
 * that one): it is deleted and created again with the provisioning code
 * (`applyBucket`), and copies the restored origin from revision 1. A mirror
 * whose site does not take it (down) is `pending`: provisioning creates it
 * when the site is back. Restoring into another site moves the home site
 * there, as a promotion does: the report's fleet is the one to deploy.
 */
export async function restoreBucket(nc: NatsConnection, options: RestoreBucketOptions): Promise<RestoreReport> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const meta = readSnapshot(options.dir);
  const plan = await planRestore(nc, options, meta, deadline);
  const { site, target, origin, existing } = plan;
  const deleted: string[] = [];

  if (plan.exists) {
    await deleteStream(nc, origin, deadline);
    deleted.push(origin);
    log(`deleted ${origin}${existing && existing !== 'offline' ? ` (${existing.state.messages} messages, revisions up to ${existing.state.last_seq})` : ' (offline)'}`);
  }
  if (plan.displaced) {
    await deleteStream(nc, plan.displaced, deadline);
    deleted.push(plan.displaced);
    log(`deleted ${plan.displaced}: the origin takes its place in ${site}`);
  }

  // The fleet's origin configuration (this placement, the fleet's limits and guards), the snapshot's data.
  const restored = await restoreStream(nc, options.dir, { config: originStreamConfig(target), timeoutMs });
  if (restored.state.last_seq !== meta.state.last_seq || restored.state.messages !== meta.state.messages) {
    throw new Error(`${origin} was restored with ${restored.state.messages} messages up to revision ${restored.state.last_seq}; the snapshot holds ${meta.state.messages} up to ${meta.state.last_seq}`);
  }
  log(`restored ${origin} in ${site}: ${restored.state.messages} messages, revisions ${restored.state.first_seq}..${restored.state.last_seq} (${restored.ms} ms)`);

  // Every mirror copies the restored origin from the start.
  const mirrors: RestoredMirror[] = [];
  const mirrorDeadline = Date.now() + timeoutMs;
  for (const mirror of kvLayout(target).mirrors) {
    let action: RestoredMirror['action'] = 'created';
    if ((await streamNames(nc, mirrorDeadline)).has(mirror.stream)) {
      await deleteStream(nc, mirror.stream, mirrorDeadline);
      deleted.push(mirror.stream);
      action = 'recreated';
    }
    try {
      await applyBucket(nc, target, { sites: [mirror.site] });
    } catch (e) {
      if (e instanceof KvApplyRefusal) throw e;
      const reason = (e as Error).message;
      log(`${mirror.stream} pending: ${reason}`);
      mirrors.push({ site: mirror.site, stream: mirror.stream, action: 'pending', caughtUp: false, reason });
      continue;
    }
    log(`${action} ${mirror.stream} in ${mirror.site}`);
    mirrors.push({ site: mirror.site, stream: mirror.stream, action, caughtUp: false });
  }
  const caughtUp = new Set<string>();
  await until(mirrorDeadline, async () => {
    for (const m of mirrors) {
      if (m.action === 'pending' || caughtUp.has(m.stream)) continue;
      const info = await jsApi<StreamInfo>(nc, `STREAM.INFO.${m.stream}`);
      if (info.state.last_seq === restored.state.last_seq && info.state.messages === restored.state.messages) caughtUp.add(m.stream);
    }
    return mirrors.every((m) => m.action === 'pending' || caughtUp.has(m.stream));
  });

  const final = await jsApi<StreamInfo>(nc, `STREAM.INFO.${origin}`);
  return {
    fleet: target,
    origin: { stream: origin, site, messages: final.state.messages, firstSeq: final.state.first_seq, lastSeq: final.state.last_seq },
    snapshot: meta.state,
    replaced: existing === 'offline' ? { offline: true } : existing ? { cluster: existing.cluster?.name, messages: existing.state.messages, lastSeq: existing.state.last_seq } : undefined,
    deleted,
    mirrors: mirrors.map((m) => ({ ...m, caughtUp: caughtUp.has(m.stream) })),
    restoreMs: restored.ms,
  };
}
