import { subjectMatches } from './subjects';

/** A user's allow lists; everything else is denied. */
export interface Permissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

export const kvStream = (bucket: string): string => `KV_${bucket}`;

/**
 * One direction of a user's permissions as nats-server takes it. An empty
 * allow list is no restriction at all to nats-server (it builds no allow
 * sublist; measured on 2.15.1 in both modes: a service declared with
 * `publish: []` could publish anywhere, the bucket's data included), so
 * "nothing" is written as a deny of everything.
 */
export const allowOnly = (subjects: readonly string[]): { readonly allow: string[] } | { readonly deny: string[] } =>
  subjects.length > 0 ? { allow: [...subjects] } : { deny: ['>'] };

/**
 * Every identity's own reply subjects. A shared `_INBOX.>` would let any
 * identity subscribe to the replies of every other one (JetStream API
 * answers, KV values, watch deliveries); with a prefix per identity each
 * may subscribe to its own only. Every client we ship sets it (nats.js
 * `inboxPrefix`, natscli `--inbox-prefix`), see lib/kv/connect.ts.
 */
export const inboxPrefix = (identity: string): string => `_INBOX_${identity}`;

/** The subscribe allow list entry of an identity's own replies. */
export const inboxSubject = (identity: string): string => `${inboxPrefix(identity)}.>`;

/**
 * The Harmony agent: KV data operations on one bucket and nothing else.
 * ADR 019 asked for `$JS.API.STREAM.>` and `$JS.API.CONSUMER.>`, which let
 * the agent delete or snapshot the bucket and read every other stream; these
 * subjects are what a KV client sends for put/get/watch/keys/delete
 * (DESIGN.md, checked against real nats-server in test/e2e).
 *
 * `streams` are every name the bucket's data can live under: the origin's
 * default name and each site's mirror name. The agent reads its own site's
 * mirror by its own name (reads survive restarts during an outage,
 * lib/kv/agent-read.ts), and after an in-place promotion a mirror's name is
 * the origin's: so the same rights on each, and promotion never changes the
 * accounts.
 * @default streams just `KV_<bucket>`
 */
export function agentPermissions(bucket: string, streams: readonly string[] = [kvStream(bucket)]): Permissions {
  return {
    publish: [
      `$KV.${bucket}.>`,
      '$JS.API.INFO',
      ...streams.flatMap((stream) => [
        `$JS.API.STREAM.INFO.${stream}`,
        `$JS.API.STREAM.MSG.GET.${stream}`,
        `$JS.API.DIRECT.GET.${stream}`,
        `$JS.API.DIRECT.GET.${stream}.>`,
        // Older servers take the legacy ephemeral form, newer the named/filtered form.
        `$JS.API.CONSUMER.CREATE.${stream}`,
        `$JS.API.CONSUMER.CREATE.${stream}.>`,
        `$JS.API.CONSUMER.INFO.${stream}.*`,
        `$JS.API.CONSUMER.DELETE.${stream}.*`,
        `$JS.FC.${stream}.>`,
      ]),
    ],
    subscribe: [inboxSubject('agent')],
  };
}

/**
 * The in-cluster provisioning identity (its seed sits in every site's
 * Secret): creates the bucket's streams that are missing, and reads them.
 * Never updates, deletes or purges: a stream update can destroy data
 * (`max_msgs: 1`) or seal the bucket for good (`sealed: true`), so changes
 * are an operator's step (`npm run kv -- apply`, as kv-admin, with a preview).
 */
export function provisionerPermissions(streams: readonly string[]): Permissions {
  return {
    publish: ['$JS.API.INFO', '$JS.API.STREAM.NAMES', ...streams.flatMap((s) => [`$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.INFO.${s}`])],
    subscribe: [inboxSubject('provisioner')],
  };
}

/**
 * Promotes a mirror after the home site is lost (docs/kv-failover.md):
 * create, update, inspect and delete the bucket's own streams and nothing
 * else. Deleting is management, so this identity is operator-only: its seed
 * stays in the age store, is never deployed to a site, never held by a service.
 */
export function kvAdminPermissions(streams: readonly string[]): Permissions {
  return {
    publish: [
      '$JS.API.INFO',
      '$JS.API.STREAM.NAMES',
      ...streams.flatMap((s) => [
        `$JS.API.STREAM.INFO.${s}`,
        `$JS.API.STREAM.CREATE.${s}`,
        `$JS.API.STREAM.UPDATE.${s}`,
        `$JS.API.STREAM.DELETE.${s}`,
        // Restoring a snapshot over a damaged origin (`npm run kv -- restore`,
        // docs/kv-snapshots.md): the RESTORE request, then the data chunks to
        // the subject the server names in its reply, `$JS.SNAPSHOT.RESTORE.<stream>.<id>`
        // (nats-server jetstream_api.go, jsRestoreDeliverT). Deleting the
        // stream is already this identity's; restore adds no new way to lose data.
        `$JS.API.STREAM.RESTORE.${s}`,
        `$JS.SNAPSHOT.RESTORE.${s}.>`,
      ]),
    ],
    subscribe: [inboxSubject('kv-admin')],
  };
}

/**
 * The scheduled snapshot (constructs/kv-snapshots.ts, `nats stream backup`
 * in the home site's CronJob; its seed sits in that site's Secret): read and
 * snapshot the bucket's origin stream, nothing else. A snapshot is the
 * stream's data, so this identity can read every value, as an agent can; it
 * cannot write, delete, purge, restore or read another stream.
 *
 * - `$JS.API.STREAM.INFO.<origin>`: natscli loads the stream before a backup;
 * - `$JS.API.STREAM.SNAPSHOT.<origin>`: the snapshot request;
 * - `$JS.SNAPSHOT.ACK.<origin>.>`: each data chunk carries a reply subject
 *   there, and the server sends no more than its window until the client
 *   answers (flow control; nats-server jetstream_api.go, jsSnapshotAckT).
 *
 * Only the origin's current name (`originStreamName(fleet)`): after an
 * in-place promotion the fleet names the new origin and the deploy that
 * moves the CronJob to the new home site also moves this right.
 */
export function kvSnapshotPermissions(origin: string): Permissions {
  return {
    publish: [`$JS.API.STREAM.INFO.${origin}`, `$JS.API.STREAM.SNAPSHOT.${origin}`, `$JS.SNAPSHOT.ACK.${origin}.>`],
    subscribe: [inboxSubject('kv-snapshot')],
  };
}

/** Read-only view of JetStream state for dashboards and alerts. */
export function monitorPermissions(): Permissions {
  return {
    publish: [
      '$JS.API.INFO',
      '$JS.API.STREAM.NAMES',
      '$JS.API.STREAM.LIST',
      '$JS.API.STREAM.INFO.*',
      '$JS.API.CONSUMER.NAMES.*',
      '$JS.API.CONSUMER.LIST.*',
      '$JS.API.CONSUMER.INFO.*.*',
    ],
    subscribe: [inboxSubject('monitor')],
  };
}

/**
 * Subjects no identity may reach: each deletes, purges, snapshots or
 * restores data, or steers the JetStream cluster. `OTHER` stands for any
 * stream name. A pattern that matches one of them (`>`, `$JS.>`,
 * `$JS.API.>`, `$JS.API.STREAM.>`, `$JS.API.CONSUMER.>`, `$JS.*.STREAM.*.*`,
 * ...) is refused however it is spelled.
 */
const MANAGEMENT_SUBJECTS = [
  '$JS.API.STREAM.DELETE.OTHER',
  '$JS.API.STREAM.PURGE.OTHER',
  '$JS.API.STREAM.SNAPSHOT.OTHER',
  '$JS.API.STREAM.RESTORE.OTHER',
  '$JS.API.STREAM.MSG.DELETE.OTHER',
  '$JS.API.STREAM.PEER.REMOVE.OTHER',
  '$JS.API.STREAM.LEADER.STEPDOWN.OTHER',
  '$JS.API.CONSUMER.DELETE.OTHER.c',
  '$JS.API.CONSUMER.CREATE.OTHER',
  '$JS.API.ACCOUNT.PURGE.OTHER',
  '$JS.API.SERVER.REMOVE',
  '$JS.API.META.LEADER.STEPDOWN',
];

/** The management subjects `pattern` reaches (empty when it is safe). */
export function managementSubjectsReached(pattern: string): string[] {
  return MANAGEMENT_SUBJECTS.filter((subject) => subjectMatches(pattern, subject));
}
