import type { Fleet } from '../../config/types';
import type { BucketPlacement, KvLayout } from '../nats/kv-placement';
import { kvLayout } from '../nats/kv-placement';

/**
 * The JetStream stream configuration (API JSON, durations in nanoseconds) of
 * the bucket's origin and of each mirror: the fields a NATS KV client
 * creates, made explicit so the local supercluster (through nats.js) and a
 * deployment apply the very same JSON.
 */
export type StreamConfigJson = Record<string, unknown> & { readonly name: string };

const TWO_MINUTES_NS = 120_000_000_000;
/** An idle consumer (a watcher that went away) is removed after 5 minutes. */
const CONSUMER_INACTIVE_NS = 300_000_000_000;

export const originStreamConfig = (fleet: Fleet): StreamConfigJson => origin(kvLayout(fleet));

export const mirrorStreamConfig = (fleet: Fleet, mirror: BucketPlacement): StreamConfigJson => mirrored(kvLayout(fleet), mirror);

/** Every stream of the bucket with the site it lives in: the origin first. */
export function bucketStreams(fleet: Fleet): { readonly site: string; readonly config: StreamConfigJson }[] {
  const layout = kvLayout(fleet);
  return [{ site: layout.origin.site, config: origin(layout) }, ...layout.mirrors.map((m) => ({ site: m.site, config: mirrored(layout, m) }))];
}

function origin(layout: KvLayout): StreamConfigJson {
  return {
    ...common(layout, layout.origin),
    subjects: [`$KV.${layout.origin.bucket}.>`],
    duplicate_window: TWO_MINUTES_NS,
    // Lets the mirrors and the origin answer `$JS.API.DIRECT.GET.KV_<bucket>`.
    allow_direct: true,
    mirror_direct: false,
  };
}

function mirrored(layout: KvLayout, mirror: BucketPlacement): StreamConfigJson {
  return {
    ...common(layout, mirror),
    mirror: { name: layout.origin.stream },
    // A mirror answers the origin's direct gets, so clients bound to the
    // origin's bucket name keep reading while the home site is down.
    mirror_direct: true,
    allow_direct: true,
  };
}

function common(layout: KvLayout, placement: BucketPlacement): StreamConfigJson {
  return {
    name: placement.stream,
    description: `HARMONY KV bucket ${placement.bucket} in ${placement.site} (harmony-infra)`,
    retention: 'limits',
    storage: 'file',
    discard: 'new',
    num_replicas: placement.replicas,
    placement: { cluster: placement.site },
    max_msgs_per_subject: layout.history,
    max_bytes: layout.maxBytes,
    max_msg_size: layout.maxValueSize,
    max_msgs: -1,
    max_age: 0,
    // A cap per stream, and consumers left idle expire: one identity cannot
    // use up the account's consumers and lock the others out for good.
    max_consumers: layout.maxConsumers,
    consumer_limits: { inactive_threshold: CONSUMER_INACTIVE_NS },
    // Rollup headers let anyone who may publish to $KV.<bucket>.> erase every
    // other key's history (`Nats-Rollup: all`), in every mirror too. KV
    // purge needs them; delete does not. Off.
    allow_rollup_hdrs: false,
    deny_delete: true,
    deny_purge: false,
  };
}
