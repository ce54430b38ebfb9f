import { headers as natsHeaders } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { kvLayout } from '../nats/kv-placement';

/**
 * How a Harmony agent reads the HARMONY bucket so that reads keep answering
 * while the home site is down, through server restarts.
 *
 * Why not the origin's name alone: a mirror with `mirror_direct` answers
 * `$JS.API.DIRECT.GET.KV_<bucket>` only once it has received a message from
 * the origin since it started. While the home site is down, a surviving
 * server that restarts stops answering those reads; after every surviving
 * server has restarted (a rolling upgrade, node reboots) no read is
 * answered at all ("no responders", measured), although every mirror holds
 * the data. A stream always answers direct gets addressed to its own name
 * (`$JS.API.DIRECT.GET.KV_<bucket>_<site>`). So an agent reads its own
 * site's stream by its own name first (the mirror, or the origin in the home
 * site), and falls back to the origin's name (served by the origin or any
 * mirror that has heard from it).
 *
 * Semantics: direct gets are answered by any replica, followers included,
 * and mirrors copy asynchronously, so a read right after a write may return
 * the previous value (at another site, for as long as the mirror lags).
 * Writes, history, watch and keys need the origin: they go through the KV
 * client (nats.js `Kvm.open(bucket)`, which binds without STREAM.INFO, so it
 * opens during an outage; natscli and nats.go call STREAM.INFO first and
 * fail then).
 */
export interface KvReadSettings {
  /** The bucket (`HARMONY`): keys live on `$KV.<bucket>.<key>`. */
  readonly bucket: string;
  /** This site's stream: its mirror, or the origin in the home site. */
  readonly localStream: string;
  /** The origin's stream name (`KV_<bucket>`), the fallback. */
  readonly originStream: string;
}

/** The read settings of an agent running in `site`, from the fleet (what the site stack hands the agent). */
export function agentReadSettings(fleet: Fleet, site: string): KvReadSettings {
  const layout = kvLayout(fleet);
  const local = site === layout.origin.site ? layout.origin : layout.mirrors.find((m) => m.site === site);
  if (!local) throw new Error(`unknown site "${site}"; the fleet has ${fleet.sites.map((s) => s.name).join(', ')}`);
  return { bucket: layout.origin.bucket, localStream: local.stream, originStream: layout.origin.stream };
}

export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  /** The KV revision: the origin's sequence, which a mirror keeps. */
  readonly revision: number;
  /** The stream that answered (`Nats-Stream`): the local stream, or the origin's name. */
  readonly stream: string;
}

type Answer = { readonly kind: 'entry'; readonly entry: KvEntry } | { readonly kind: 'absent' } | { readonly kind: 'unanswered'; readonly why: string };

async function directGet(nc: NatsConnection, stream: string, bucket: string, key: string, timeoutMs: number): Promise<Answer> {
  let reply;
  try {
    reply = await nc.request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify({ last_by_subj: `$KV.${bucket}.${key}` }), { timeout: timeoutMs });
  } catch (e) {
    return { kind: 'unanswered', why: `${stream}: ${(e as Error).message}` };
  }
  const h = reply.headers ?? natsHeaders();
  if (h.code === 404) return { kind: 'absent' };
  if (h.code >= 400) return { kind: 'unanswered', why: `${stream}: ${h.code} ${h.description}` };
  // A delete or purge marker: the key has no value.
  const op = h.get('KV-Operation');
  if (op === 'DEL' || op === 'PURGE') return { kind: 'absent' };
  return { kind: 'entry', entry: { key, value: reply.data, revision: Number(h.get('Nats-Sequence')), stream: h.get('Nats-Stream') || stream } };
}

/**
 * The key's last value, or null when it has none: from this site's stream,
 * else from whoever answers for the origin's name. Throws only when neither
 * answers.
 */
export async function readKey(nc: NatsConnection, settings: KvReadSettings, key: string, timeoutMs = 2000): Promise<KvEntry | null> {
  const local = await directGet(nc, settings.localStream, settings.bucket, key, timeoutMs);
  if (local.kind === 'entry') return local.entry;
  if (local.kind === 'absent') return null;
  if (settings.originStream === settings.localStream) throw new Error(`no answer for ${key}: ${local.why}`);
  const origin = await directGet(nc, settings.originStream, settings.bucket, key, timeoutMs);
  if (origin.kind === 'entry') return origin.entry;
  if (origin.kind === 'absent') return null;
  throw new Error(`no answer for ${key}: ${local.why}; ${origin.why}`);
}
