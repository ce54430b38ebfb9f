import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import type { BucketPlacement } from '../nats/kv-placement';
import { bucketName } from '../defaults';
import { bucketStreamNames, kvLayout } from '../nats/kv-placement';
import { kvStream } from '../nats/permissions';
import { atLeast, parseVersion } from '../nats/versions';
import type { StreamConfigJson } from './stream-configs';
import { bucketStreams, mirrorStreamConfig, originStreamConfig } from './stream-configs';
import { differingFields } from './provision';

/*
 * Promoting a mirror of the bucket to be its origin, on what nats-server
 * 2.9.10 can do (each point verified on the local supercluster, see
 * docs/kv-failover.md):
 *
 * - a mirror cannot become writable: a stream update that removes `mirror`
 *   is refused ("stream mirror configuration can not be updated", 10055),
 *   one that adds subjects too ("stream mirrors can not contain subjects");
 * - clients bind to the origin's name (`KV_<bucket>`), and that name stays
 *   taken in the JetStream meta layer while the lost site's stream is
 *   merely offline; `$JS.API.STREAM.DELETE.KV_<bucket>` is decided by the
 *   meta leader and succeeds with every peer of the stream down;
 * - so the new origin is a NEW stream `KV_<bucket>` in the surviving site
 *   that copies the mirror's messages through `sources`. Sourcing renumbers
 *   them (sequence = KV revision) from 1; shifting the first sequence with a
 *   purge `{seq}` breaks R3 streams on 2.9.10 ("expected sequence does not
 *   match store" on every later write), so revisions DO change;
 * - the promoted mirror still mirrors `KV_<bucket>` by name, so it would
 *   mirror the new origin that sources it (a copy loop): its messages go to
 *   a staging mirror first, and it is deleted before the new origin exists;
 * - the new origin is created with no subjects (writes keep failing with "no
 *   responders") until the copy is complete, so a fresh put can never be
 *   overtaken by an older copied value of the same key;
 * - every other mirror tracked the old numbering and would skip the new
 *   origin's first messages: each is deleted and created again. A mirror in
 *   a site that is down stays pending until that site is back
 *   (`provisionBucket` with the promoted fleet, i.e. the site stack's
 *   provisioning Job after the fleet names the new home site).
 */

import { isNotFound, isOffline, isTransient, jsApi } from './js-api';
export { JS_ERR, JsApiError, isNotFound, isOffline, jsApi } from './js-api';

/** Retries timeouts and "no responders" (a meta leader election takes seconds) until `deadline`. */
async function retrying<T>(what: string, deadline: number, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!isTransient(e) || Date.now() > deadline) throw e instanceof Error ? Object.assign(e, { message: `${what}: ${e.message}` }) : e;
      await sleep(500);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The part of `$JS.API.STREAM.INFO` this module reads. */
export interface StreamInfo {
  readonly config: StreamConfigJson & { readonly mirror?: { readonly name: string }; readonly sources?: readonly { readonly name: string }[]; readonly subjects?: readonly string[] };
  readonly state: { readonly messages: number; readonly first_seq: number; readonly last_seq: number };
  readonly cluster?: { readonly name?: string; readonly leader?: string };
  readonly mirror?: { readonly name: string; readonly lag: number; readonly active: number };
  readonly sources?: readonly { readonly name: string; readonly lag: number; readonly active: number }[];
}

export const streamInfo = (nc: NatsConnection, stream: string, deadline = Date.now() + 15_000): Promise<StreamInfo> =>
  retrying(`info ${stream}`, deadline, () => jsApi<StreamInfo>(nc, `STREAM.INFO.${stream}`));

/** Stream names known to the meta layer, offline streams included. */
export async function streamNames(nc: NatsConnection, deadline = Date.now() + 15_000): Promise<Set<string>> {
  const names = new Set<string>();
  for (let offset = 0; ; ) {
    const page = await retrying('stream names', deadline, () => jsApi<{ streams: string[] | null; total: number }>(nc, 'STREAM.NAMES', { offset }));
    for (const n of page.streams ?? []) names.add(n);
    offset += (page.streams ?? []).length;
    if (offset >= page.total || (page.streams ?? []).length === 0) return names;
  }
}

/** Deletes `stream` (already gone is fine) and waits until the meta leader has dropped its assignment. */
export async function deleteStream(nc: NatsConnection, stream: string, deadline: number): Promise<void> {
  try {
    await retrying(`delete ${stream}`, deadline, () => jsApi(nc, `STREAM.DELETE.${stream}`));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  // The meta leader decides; wait until its assignment is gone.
  await until(`${stream} to be gone`, deadline, async () => !(await streamNames(nc, deadline)).has(stream));
}

async function until(what: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  let last: unknown;
  while (Date.now() <= deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** The temporary stream that holds the promoted mirror's messages while the origin is rebuilt. */
/** The fleet after promoting `site`: the same fleet with the bucket's home moved there. */
export function promotedFleet(fleet: Fleet, site: string): Fleet {
  return { ...fleet, account: { ...fleet.account, kv: { ...fleet.account.kv, homeSite: site } } };
}

/** One stream of the bucket as the cluster reports it. */
export interface StreamStatus {
  readonly stream: string;
  readonly role: 'origin' | 'mirror' | 'staging';
  /** The site the fleet places it in (for the origin: the fleet's home site). */
  readonly site?: string;
  /**
   * online: as the fleet says. missing: provisioning has not created it.
   * misplaced: it lives in another cluster than the fleet's site (a
   * promotion the fleet does not know of yet). drifted: a field we set
   * differs (`drift` names them). offline: no leader answers. unexpected:
   * a stream of the bucket the fleet does not place (a leftover).
   */
  readonly state: 'online' | 'offline' | 'missing' | 'misplaced' | 'drifted' | 'unexpected';
  /** For `drifted`: the fields whose live value differs from the fleet's. */
  readonly drift?: readonly string[];
  /** Cluster actually holding it, messages, last sequence, leader, and a mirror's lag. */
  readonly cluster?: string;
  readonly leader?: string;
  readonly messages?: number;
  readonly lastSeq?: number;
  readonly lag?: number;
}

/**
 * The bucket's streams: what the fleet expects (origin in the home site, a
 * mirror per other site) and anything else of the bucket that exists (a
 * leftover staging stream or a mirror in the home site after a promotion).
 */
export async function bucketStatus(nc: NatsConnection, fleet: Fleet, timeoutMs = 15_000): Promise<StreamStatus[]> {
  const deadline = Date.now() + timeoutMs;
  const names = await streamNames(nc, deadline);
  const layout = kvLayout(fleet);
  const all = bucketStreamNames(fleet);
  const expected = new Map<string, { role: StreamStatus['role']; site?: string }>([
    [layout.origin.stream, { role: 'origin', site: layout.origin.site }],
    ...layout.mirrors.map((m): [string, { role: StreamStatus['role']; site?: string }] => [m.stream, { role: 'mirror', site: m.site }]),
  ]);
  const wanted = new Map(bucketStreams(fleet).map((s) => [s.config.name, s.config]));
  const extra = [...all.mirrors.entries()].filter(([, s]) => !expected.has(s) && names.has(s));
  for (const [site, stream] of extra) expected.set(stream, { role: 'mirror', site });
  if (names.has(all.staging)) expected.set(all.staging, { role: 'staging', site: undefined });
  const out: StreamStatus[] = [];
  for (const [stream, { role, site }] of expected) {
    const known = layout.origin.stream === stream || layout.mirrors.some((m) => m.stream === stream);
    if (!names.has(stream)) {
      out.push({ stream, role, site, state: 'missing' });
      continue;
    }
    try {
      const info = await jsApi<StreamInfo>(nc, `STREAM.INFO.${stream}`);
      const want = wanted.get(stream);
      const drift = want ? differingFields(want, info.config as unknown as Record<string, unknown>) : [];
      const state: StreamStatus['state'] = !known ? 'unexpected' : info.cluster?.name !== site ? 'misplaced' : drift.length > 0 ? 'drifted' : 'online';
      out.push({
        stream,
        role,
        site,
        state,
        ...(state === 'drifted' ? { drift } : {}),
        cluster: info.cluster?.name,
        leader: info.cluster?.leader,
        messages: info.state.messages,
        lastSeq: info.state.last_seq,
        lag: info.mirror?.lag,
      });
    } catch (e) {
      if (!isOffline(e) && !isTransient(e)) throw e;
      out.push({ stream, role, site, state: 'offline' });
    }
  }
  return out;
}

export type PromotionMethod = 'in-place' | 'copy';

/**
 * Servers from 2.12 on turn a mirror into a regular stream once its origin
 * is gone (measured on 2.15.1: delete the origin, update the mirror with the
 * origin's subjects and no `mirror`; every sequence is kept and the next put
 * gets the next revision). Older ones refuse ("stream mirror configuration
 * can not be updated") and need the copy.
 */
export const promotesInPlace = (serverVersion: string): boolean => {
  const version = parseVersion(serverVersion.replace(/^v/, '').split('-')[0]);
  return version !== undefined && atLeast(version, '2.12.0');
};

export interface PromoteOptions {
  /** The fleet as deployed now: its home site is the one that was lost. */
  readonly fleet: Fleet;
  /** The surviving site whose mirror becomes the origin. */
  readonly site: string;
  /**
   * Promote although another reachable mirror holds later messages (it would
   * lose them), or although the origin is still online.
   * @default false
   */
  readonly force?: boolean;
  /** Bound on every wait. @default 60000 */
  readonly timeoutMs?: number;
  /** Progress lines. @default silent */
  readonly log?: (line: string) => void;
  /**
   * How to promote.
   * @default in-place when the connected server supports it (promotesInPlace), else copy
   */
  readonly method?: PromotionMethod;
}

export interface MirrorOutcome {
  readonly site: string;
  readonly stream: string;
  /**
   * `created`: it did not exist; `recreated`: it mirrored the old origin's
   * numbering; `kept`: created by an earlier run of this promotion;
   * `pending`: its site is unreachable, provisioning creates it when the site is back.
   */
  readonly action: 'created' | 'recreated' | 'kept' | 'pending';
  readonly reason?: string;
}

export interface PromotionReport {
  /**
   * `in-place`: the mirror itself became the origin, every revision kept,
   * under the mirror's name (`account.kv.originStream`). `copy`: a new
   * `KV_<bucket>` copied from the mirror, revisions renumbered.
   */
  readonly method: PromotionMethod;
  /** The fleet to deploy from now on: `account.kv.homeSite` is the promoted site (and `originStream` after in-place). */
  readonly fleet: Fleet;
  readonly origin: { readonly stream: string; readonly site: string; readonly messages: number; readonly lastSeq: number };
  /** Messages copied from the promoted mirror (the new origin's revisions 1..copied); 0 in place. */
  readonly copied: number;
  /** The last sequence (revision) the promoted mirror had from the old origin: what was recovered. */
  readonly recoveredThrough: number;
  readonly deleted: readonly string[];
  readonly mirrors: readonly MirrorOutcome[];
}

/**
 * Makes the mirror in `site` the bucket's origin after the home site is
 * lost (see the comment at the top of this file and docs/kv-failover.md).
 * Resumable: a run interrupted at any step can be run again.
 */
export async function promoteMirror(nc: NatsConnection, options: PromoteOptions): Promise<PromotionReport> {
  const { fleet, site } = options;
  if (!fleet.sites.some((s) => s.name === site)) throw new Error(`unknown site "${site}"; the fleet has ${fleet.sites.map((s) => s.name).join(', ')}`);
  if (site === fleet.account.kv.homeSite && !options.force) throw new Error(`${site} is already the fleet's home site: nothing to promote`);
  const method = options.method ?? (promotesInPlace(nc.info?.version ?? '0.0.0') ? 'in-place' : 'copy');
  return method === 'in-place' ? promoteInPlace(nc, options) : promoteByCopy(nc, options);
}

/** The copy path (servers before 2.12): a new `KV_<bucket>` sourced from the mirror. */
async function promoteByCopy(nc: NatsConnection, options: PromoteOptions): Promise<PromotionReport> {
  const { fleet, site } = options;
  const log = options.log ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  if (fleet.account.kv.originStream !== undefined && fleet.account.kv.originStream !== kvStream(bucketName(fleet.account.kv))) {
    throw new Error(`the origin is ${fleet.account.kv.originStream} (an in-place promotion): promote in place again (nats-server 2.12+), the copy path rebuilds only ${kvStream(bucketName(fleet.account.kv))}`);
  }
  const promoted = promotedFleet(fleet, site);
  const { origin, mirrors: mirrorNames, staging } = bucketStreamNames(fleet);
  const mirror = mirrorNames.get(site)!;
  const history = kvLayout(fleet).history;
  const deleted: string[] = [];

  let names = await streamNames(nc, deadline);
  let originInfo: StreamInfo | undefined;
  let originOffline = false;
  if (names.has(origin)) {
    try {
      originInfo = await jsApi<StreamInfo>(nc, `STREAM.INFO.${origin}`);
    } catch (e) {
      if (!isOffline(e) && !isTransient(e)) throw e;
      originOffline = true;
    }
  }
  const alreadyPromoted = originInfo !== undefined && originInfo.cluster?.name === site && !originInfo.config.mirror;
  if (originInfo && !alreadyPromoted && !options.force) {
    throw new Error(`${origin} is online in ${originInfo.cluster?.name ?? 'an unknown cluster'}: promotion is for when the home site is lost (--force promotes anyway: writes the current origin has and the mirror lacks are lost)`);
  }

  let recoveredThrough = 0;
  if (!alreadyPromoted && !names.has(staging)) {
    // 1. Which mirror is furthest: refuse to promote one that is behind another.
    if (!names.has(mirror)) throw new Error(`${mirror} (the mirror in ${site}) does not exist: nothing to promote from`);
    const own = await streamInfo(nc, mirror, deadline);
    recoveredThrough = own.state.last_seq;
    await checkFurthest(nc, fleet, site, origin, own, options.force);
    log(`${mirror}: ${own.state.messages} messages up to revision ${own.state.last_seq} (origin ${originOffline ? 'offline' : 'missing'})`);

    // 2. Stage its messages in a stream that does not mirror the origin by name.
    await retrying(`create ${staging}`, deadline, () =>
      jsApi(nc, `STREAM.CREATE.${staging}`, {
        name: staging,
        description: `${origin} promotion staging (harmony-infra); deleted when promotion completes`,
        mirror: { name: mirror },
        placement: { cluster: site },
        num_replicas: 1,
        storage: 'file',
        retention: 'limits',
        discard: 'old',
        // Unlimited bytes: no reservation against the account's file limit.
        max_bytes: -1,
        max_msgs: -1,
        max_age: 0,
        max_msgs_per_subject: history,
      }),
    );
  }
  names = await streamNames(nc, deadline);
  if (!alreadyPromoted && names.has(staging) && names.has(mirror)) {
    const { last_seq } = (await streamInfo(nc, mirror, deadline)).state;
    await until(`${staging} to hold every message of ${mirror}`, deadline, async () => (await streamInfo(nc, staging, deadline)).state.last_seq >= last_seq);
    log(`staged ${mirror} in ${staging} (up to revision ${last_seq})`);
  }

  if (!alreadyPromoted) {
    // 3. The promoted mirror would mirror the new origin that copies it: remove it first.
    if (names.has(mirror)) {
      await deleteStream(nc, mirror, deadline);
      deleted.push(mirror);
      log(`deleted ${mirror}`);
    }
    // 4. Free the origin's name: the meta leader drops the offline stream's assignment.
    if (names.has(origin)) {
      await deleteStream(nc, origin, deadline);
      deleted.push(origin);
      log(`deleted the old ${origin}`);
    }
  }

  const target = originStreamConfig(promoted);
  if (names.has(staging)) {
    const stagedInfo = await streamInfo(nc, staging, deadline);
    if (!recoveredThrough) recoveredThrough = stagedInfo.state.last_seq;
    // 5. The new origin copies the staged messages, with no subjects until complete.
    if (!alreadyPromoted) {
      await retrying(`create ${origin}`, deadline, () => jsApi(nc, `STREAM.CREATE.${origin}`, { ...target, subjects: [], sources: [{ name: staging }] }));
      log(`created ${origin} in ${site}, copying ${stagedInfo.state.messages} messages from ${staging}`);
    }
    await until(`${origin} to copy ${stagedInfo.state.messages} messages`, deadline, async () => (await streamInfo(nc, origin, deadline)).state.last_seq >= stagedInfo.state.messages);
  }

  // 6. Exactly the fleet's origin config: subjects on (writes resume), no sources.
  const current = await streamInfo(nc, origin, deadline);
  if (current.config.sources?.length || !current.config.subjects?.length) {
    await retrying(`update ${origin}`, deadline, () => jsApi(nc, `STREAM.UPDATE.${origin}`, target));
    log(`${origin} accepts writes in ${site}`);
  }
  // 7. Every mirror of the promoted layout starts over from the new numbering.
  // The staging stream marks a promotion in progress: while it exists, every
  // existing mirror is recreated (again, after an interrupted run); once it is
  // gone, a rerun only creates the mirrors still missing.
  const inProgress = names.has(staging);
  const outcomes: MirrorOutcome[] = [];
  for (const placement of kvLayout(promoted).mirrors) outcomes.push(await remirror(nc, promoted, placement, inProgress, deadline, log));
  if (inProgress) {
    await deleteStream(nc, staging, deadline);
    deleted.push(staging);
  }

  const final = await streamInfo(nc, origin, deadline);
  return {
    method: 'copy',
    fleet: promoted,
    origin: { stream: origin, site, messages: final.state.messages, lastSeq: final.state.last_seq },
    copied: final.state.last_seq,
    recoveredThrough,
    deleted,
    mirrors: outcomes,
  };
}

/** Refuses to promote a mirror that is behind another reachable one (it would lose their extra revisions). */
async function checkFurthest(nc: NatsConnection, fleet: Fleet, site: string, origin: string, own: StreamInfo, force: boolean | undefined): Promise<void> {
  const { mirrors } = bucketStreamNames(fleet);
  const names = await streamNames(nc);
  for (const [other, stream] of mirrors) {
    if (other === site || !names.has(stream) || stream === origin) continue;
    try {
      const info = await jsApi<StreamInfo>(nc, `STREAM.INFO.${stream}`);
      if (info.config.mirror?.name === origin && info.state.last_seq > own.state.last_seq && !force) {
        throw new Error(
          `the mirror in ${other} holds revisions up to ${info.state.last_seq}, the one in ${site} only up to ${own.state.last_seq}: promote ${other} instead (or --force and lose ${info.state.last_seq - own.state.last_seq} revisions)`,
        );
      }
    } catch (e) {
      if (!isOffline(e) && !isTransient(e)) throw e;
    }
  }
}

/**
 * The in-place path (2.12+): delete the lost origin, then turn the mirror
 * into the origin by a stream update (its subjects, no `mirror`), then scale
 * it to the bucket's replicas, then re-point the other mirrors at it. Every
 * revision is kept; the origin's name is the mirror's from now on
 * (`account.kv.originStream`). Resumable: each step checks what is done.
 */
async function promoteInPlace(nc: NatsConnection, options: PromoteOptions): Promise<PromotionReport> {
  const { fleet, site } = options;
  const log = options.log ?? (() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const layout = kvLayout(fleet);
  const origin = layout.origin.stream;
  const mirror = bucketStreamNames(fleet).mirrors.get(site)!;
  const promoted: Fleet = { ...fleet, account: { ...fleet.account, kv: { ...fleet.account.kv, homeSite: site, originStream: mirror } } };
  const target = originStreamConfig(promoted);
  const deleted: string[] = [];

  const names = await streamNames(nc, deadline);
  if (!names.has(mirror)) throw new Error(`${mirror} (the mirror in ${site}) does not exist: nothing to promote from`);
  let own = await streamInfo(nc, mirror, deadline);
  const recoveredThrough = own.state.last_seq;
  if (own.config.mirror) {
    if (names.has(origin)) {
      let online: StreamInfo | undefined;
      try {
        online = await jsApi<StreamInfo>(nc, `STREAM.INFO.${origin}`);
      } catch (e) {
        if (!isOffline(e) && !isTransient(e)) throw e;
      }
      if (online && !options.force) {
        throw new Error(`${origin} is online in ${online.cluster?.name ?? 'an unknown cluster'}: promotion is for when the home site is lost (--force promotes anyway: writes the current origin has and the mirror lacks are lost)`);
      }
    }
    await checkFurthest(nc, fleet, site, origin, own, options.force);
    log(`${mirror}: ${own.state.messages} messages up to revision ${own.state.last_seq}`);
    // 1. The lost origin goes: the meta leader drops its assignment while its peers are down.
    if (names.has(origin)) {
      await deleteStream(nc, origin, deadline);
      deleted.push(origin);
      log(`deleted the old ${origin}`);
    }
    // 2. The mirror becomes the origin, at its own replica count first (a scale-up is its own step).
    await retrying(`promote ${mirror}`, deadline, () => jsApi(nc, `STREAM.UPDATE.${mirror}`, { ...target, num_replicas: own.config.num_replicas }));
    log(`${mirror} is the origin in ${site}: revisions kept, writes accepted`);
    own = await streamInfo(nc, mirror, deadline);
  }
  // 3. The bucket's replicas.
  if (own.config.num_replicas !== target.num_replicas || differingFields(target, own.config as unknown as Record<string, unknown>).length > 0) {
    await retrying(`scale ${mirror}`, deadline, () => jsApi(nc, `STREAM.UPDATE.${mirror}`, target));
    log(`${mirror}: ${target.num_replicas} replicas`);
  }
  // 4. Every other mirror follows the new origin (a mirror's source cannot be changed: recreate it).
  const outcomes: MirrorOutcome[] = [];
  for (const placement of kvLayout(promoted).mirrors) {
    let current: StreamInfo | undefined;
    if ((await streamNames(nc, deadline)).has(placement.stream)) {
      try {
        current = await jsApi<StreamInfo>(nc, `STREAM.INFO.${placement.stream}`);
      } catch (e) {
        if (!isOffline(e) && !isTransient(e)) throw e;
      }
    }
    const follows = current?.config.mirror?.name === mirror;
    outcomes.push(await remirror(nc, promoted, placement, !follows, deadline, log));
  }
  const final = await streamInfo(nc, mirror, deadline);
  return {
    method: 'in-place',
    fleet: promoted,
    origin: { stream: mirror, site, messages: final.state.messages, lastSeq: final.state.last_seq },
    copied: 0,
    recoveredThrough,
    deleted,
    mirrors: outcomes,
  };
}

async function remirror(nc: NatsConnection, fleet: Fleet, placement: BucketPlacement, recreate: boolean, deadline: number, log: (line: string) => void): Promise<MirrorOutcome> {
  const config = mirrorStreamConfig(fleet, placement);
  const names = await streamNames(nc, deadline);
  let action: MirrorOutcome['action'] = 'created';
  if (names.has(placement.stream)) {
    if (!recreate) return { site: placement.site, stream: placement.stream, action: 'kept' };
    await deleteStream(nc, placement.stream, deadline);
    action = 'recreated';
  }
  try {
    await jsApi(nc, `STREAM.CREATE.${placement.stream}`, config);
    log(`${action} ${placement.stream} in ${placement.site}`);
    return { site: placement.site, stream: placement.stream, action };
  } catch (e) {
    // A site that is down has no peers to place it on: provisioning creates it when the site is back.
    const reason = e instanceof Error ? e.message : String(e);
    log(`${placement.stream} pending: ${reason}`);
    return { site: placement.site, stream: placement.stream, action: 'pending', reason };
  }
}

/**
 * The cluster the origin actually lives in when it is not the fleet's home
 * site (the fleet was not updated after a promotion, or was changed before
 * one), else undefined. Provisioning must not run then: an update that
 * changes the origin's placement would ask JetStream to move the stream.
 */
export async function originElsewhere(nc: NatsConnection, fleet: Fleet, timeoutMs = 15_000): Promise<string | undefined> {
  const { origin } = kvLayout(fleet);
  const deadline = Date.now() + timeoutMs;
  if (!(await streamNames(nc, deadline)).has(origin.stream)) return undefined;
  try {
    const info = await streamInfo(nc, origin.stream, deadline);
    const cluster = info.cluster?.name ?? (info.config.placement as { cluster?: string } | undefined)?.cluster;
    return cluster && cluster !== origin.site ? cluster : undefined;
  } catch (e) {
    if (isOffline(e)) return undefined;
    throw e;
  }
}
