import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { JS_ERR, JsApiError, isNotFound, jsApi } from './js-api';
import type { StreamConfigJson } from './stream-configs';
import { bucketStreams } from './stream-configs';

/*
 * Two ways to make the bucket's streams what the fleet says:
 * - provisionBucket: what the in-cluster identity may do. It creates the
 *   streams that are missing and reports the ones that differ, nothing more
 *   (a stream update can destroy data or seal the bucket, so it is never
 *   in the hands of an identity whose seed sits in every site).
 * - applyBucket: the operator's path (`npm run kv -- apply`, as kv-admin):
 *   the same plan, shown as a diff; a change that can lose data is refused
 *   unless explicitly allowed.
 */

export type ProvisionAction = 'created' | 'updated' | 'unchanged' | 'differs';

/** One stream's difference from the fleet. */
export interface StreamChange {
  readonly stream: string;
  readonly site: string;
  readonly action: 'create' | 'update' | 'none' | 'refuse';
  /** Fields we set whose live value differs: field, live value, wanted value. */
  readonly fields: readonly { readonly field: string; readonly live: unknown; readonly wanted: unknown }[];
  /** The fields whose change can delete data, or let someone delete it. */
  readonly destructive: readonly string[];
  /** Why an update is refused outright (e.g. it would move the stream). */
  readonly reason?: string;
}

/**
 * The fields we set whose live value differs. The server reports defaults
 * we did not set too: compare only what we own (the script's jq does the same).
 */
export function differingFields(wanted: StreamConfigJson, actual: Record<string, unknown>): string[] {
  return Object.entries(wanted)
    .filter(([key, value]) => JSON.stringify(actual[key]) !== JSON.stringify(value))
    .map(([key]) => key);
}

/** A limit where -1 (or 0 for an age) means none. */
const limit = (v: unknown, none: number): number => (typeof v !== 'number' || v === none ? Infinity : v);

/**
 * Which of the changes from `live` to `wanted` can lose data, or open the
 * way to losing it: a lower history, size, count or age limit (messages
 * beyond it are deleted), fewer replicas, `discard: old`, sealing, and
 * lifting `deny_delete`/`deny_purge` or allowing rollup headers.
 */
export function destructiveChanges(live: Record<string, unknown>, wanted: StreamConfigJson): string[] {
  const out: string[] = [];
  const lower = (field: string, none: number) => limit(wanted[field], none) < limit(live[field], none);
  if (lower('max_msgs_per_subject', -1)) out.push('max_msgs_per_subject');
  if (lower('max_bytes', -1)) out.push('max_bytes');
  if (lower('max_msgs', -1)) out.push('max_msgs');
  if (lower('max_age', 0)) out.push('max_age');
  if (typeof wanted.num_replicas === 'number' && typeof live.num_replicas === 'number' && wanted.num_replicas < live.num_replicas) out.push('num_replicas');
  if (wanted.discard === 'old' && live.discard !== 'old') out.push('discard');
  if (wanted.sealed === true && live.sealed !== true) out.push('sealed');
  for (const guard of ['deny_delete', 'deny_purge'] as const) if (live[guard] === true && wanted[guard] === false) out.push(guard);
  if (wanted.allow_rollup_hdrs === true && live.allow_rollup_hdrs !== true) out.push('allow_rollup_hdrs');
  return out;
}

interface LiveStream {
  readonly config: Record<string, unknown>;
  readonly cluster?: { readonly name?: string };
}

/** What applying the fleet would change, stream by stream (`sites` limits it to the streams living there). */
export async function planBucket(nc: NatsConnection, fleet: Fleet, sites?: readonly string[]): Promise<StreamChange[]> {
  const changes: StreamChange[] = [];
  for (const { site, config } of bucketStreams(fleet)) {
    if (sites && !sites.includes(site)) continue;
    let live: LiveStream | undefined;
    try {
      live = await jsApi<LiveStream>(nc, `STREAM.INFO.${config.name}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!live) {
      changes.push({ stream: config.name, site, action: 'create', fields: [], destructive: [] });
      continue;
    }
    const fields = differingFields(config, live.config).map((field) => ({ field, live: live.config[field], wanted: config[field] }));
    const placement = (config.placement as { cluster?: string } | undefined)?.cluster;
    const moves = placement !== undefined && live.cluster?.name !== undefined && live.cluster.name !== placement;
    changes.push({
      stream: config.name,
      site,
      action: moves ? 'refuse' : fields.length === 0 ? 'none' : 'update',
      fields,
      destructive: destructiveChanges(live.config, config),
      ...(moves ? { reason: `it lives in cluster ${live.cluster?.name}, the fleet places it in ${placement}: not moving it (docs/kv-failover.md)` } : {}),
    });
  }
  return changes;
}

/**
 * The in-cluster identity's part: creates the missing streams, reports the
 * ones that differ ('differs'), changes nothing else.
 */
export async function provisionBucket(nc: NatsConnection, fleet: Fleet, sites?: readonly string[], placementWaitMs = 30_000): Promise<Map<string, ProvisionAction>> {
  const results = new Map<string, ProvisionAction>();
  for (const change of await planBucket(nc, fleet, sites)) {
    if (change.action === 'create') {
      await createPlaced(nc, change.stream, configOf(fleet, change.stream), placementWaitMs);
      results.set(change.stream, 'created');
    } else results.set(change.stream, change.action === 'none' ? 'unchanged' : 'differs');
  }
  return results;
}

/**
 * STREAM.CREATE, waiting out "no suitable peers for placement ... peer
 * offline" (10005) for up to `waitMs`. The meta leader treats a peer as
 * offline until it has that server's statsz (jetstream_cluster.go,
 * selectPeerGroup: no cfg or stats yet), which a server sends at 0.25, 0.5,
 * 1, 2, 4 and 8 s after it starts; no monitoring endpoint shows it. Seen on
 * 2.10.27 in CI right after a site came back with empty disks. Past the
 * wait the refusal stands, with what to check.
 */
async function createPlaced(nc: NatsConnection, stream: string, config: StreamConfigJson, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await jsApi(nc, `STREAM.CREATE.${stream}`, config);
      return;
    } catch (e) {
      if (!(e instanceof JsApiError && e.errCode === JS_ERR.noSuitablePeers)) throw e;
      if (Date.now() >= deadline) {
        const cluster = (config.placement as { cluster?: string } | undefined)?.cluster;
        throw new JsApiError(e.subject, e.code, e.errCode, `${e.description} (for ${waitMs} ms; are ${String(config.num_replicas)} JetStream servers of cluster ${JSON.stringify(cluster)} up?)`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A plan that may not be applied as it is; its message lists every reason. */
export class KvApplyRefusal extends Error {
  constructor(readonly changes: readonly StreamChange[]) {
    super(
      changes
        .map((c) => (c.action === 'refuse' ? `${c.stream}: ${c.reason}` : `${c.stream}: ${c.destructive.join(', ')} would lose data (or allow deleting it); pass --allow-destructive to apply it anyway`))
        .join('\n'),
    );
    this.name = 'KvApplyRefusal';
  }
}

/** The operator's part: applies the plan (create and update), refusing destructive changes unless allowed. */
export async function applyBucket(
  nc: NatsConnection,
  fleet: Fleet,
  options: { readonly sites?: readonly string[]; readonly allowDestructive?: boolean } = {},
): Promise<{ readonly plan: readonly StreamChange[]; readonly results: ReadonlyMap<string, ProvisionAction> }> {
  const plan = await planBucket(nc, fleet, options.sites);
  const blocked = plan.filter((c) => c.action === 'refuse' || (c.action === 'update' && c.destructive.length > 0 && !options.allowDestructive));
  if (blocked.length > 0) throw new KvApplyRefusal(blocked);
  const results = new Map<string, ProvisionAction>();
  for (const change of plan) {
    if (change.action === 'create') {
      await jsApi(nc, `STREAM.CREATE.${change.stream}`, configOf(fleet, change.stream));
      results.set(change.stream, 'created');
    } else if (change.action === 'update') {
      await jsApi(nc, `STREAM.UPDATE.${change.stream}`, configOf(fleet, change.stream));
      results.set(change.stream, 'updated');
    } else results.set(change.stream, 'unchanged');
  }
  return { plan, results };
}

const configOf = (fleet: Fleet, stream: string): StreamConfigJson => {
  const found = bucketStreams(fleet).find((s) => s.config.name === stream);
  if (!found) throw new JsApiError(`$JS.API.STREAM.INFO.${stream}`, 404, 0, `${stream} is not a stream of the fleet's bucket`);
  return found.config;
};
