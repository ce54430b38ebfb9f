import { createHash } from 'node:crypto';
import type { Fleet } from '../../config/types';
import { accountName, bucketName } from '../defaults';
import type { ConfDoc } from './conf-format';
import { formatConfFragment } from './conf-format';
import { everyBucketStream, originCandidates, originStreamName } from './kv-placement';
import type { Permissions } from './permissions';
import { agentPermissions, allowOnly, inboxSubject, kvAdminPermissions, kvSnapshotPermissions, monitorPermissions, provisionerPermissions } from './permissions';
import { bytes } from '../quantity';

export const SYSTEM_ACCOUNT = 'SYS';

/** Public nkeys per identity name, as `config/identities.json` stores them (two during a rotation). */
export type IdentityKeys = { readonly [identity: string]: readonly string[] };

/** The built-in identities; services from the fleet come after them. */
export const BUILTIN_IDENTITIES = ['agent', 'provisioner', 'monitor', 'kv-admin', 'kv-snapshot'] as const;

/** Every identity of the HARMONY account with its permissions, sorted by name. */
export function identityPermissions(fleet: Fleet): ReadonlyMap<string, Permissions> {
  const bucket = bucketName(fleet.account.kv);
  // Every name the bucket's streams can have, whichever site is home and however it was promoted.
  const names = originCandidates(fleet);
  const entries: [string, Permissions][] = [
    ['agent', agentPermissions(bucket, names)],
    ['provisioner', provisionerPermissions(names)],
    ['monitor', monitorPermissions()],
    ['kv-admin', kvAdminPermissions(everyBucketStream(fleet))],
    ['kv-snapshot', kvSnapshotPermissions(originStreamName(fleet))],
    // A service gets its own reply inbox besides what it declares.
    ...(fleet.account.services ?? []).map((s): [string, Permissions] => [s.name, { publish: s.publish, subscribe: [...s.subscribe, inboxSubject(s.name)] }]),
  ];
  // Array.prototype.sort's own order for strings (UTF-16 code units): stable
  // everywhere, and no ICU collator to load at synth. Names are unique (validation).
  const byName = new Map(entries);
  return new Map([...byName.keys()].sort().map((name) => [name, byName.get(name)!]));
}

/**
 * The accounts block every site carries: SYS as the system account (no
 * JetStream, no users) and the application account with JetStream capped
 * and one nkey user per identity key. Rendered from the fleet alone, so it is
 * byte-identical on every site by construction.
 */
export function accountsDoc(fleet: Fleet, keys: IdentityKeys): ConfDoc {
  const js = fleet.account.jetstream;
  const users = [...identityPermissions(fleet)].flatMap(([identity, perms]) =>
    (keys[identity] ?? []).map((nkey) => ({
      nkey,
      permissions: { publish: allowOnly(perms.publish), subscribe: allowOnly(perms.subscribe) },
    })),
  );
  return {
    system_account: SYSTEM_ACCOUNT,
    accounts: {
      [SYSTEM_ACCOUNT]: {},
      [accountName(fleet)]: {
        jetstream: {
          max_mem: bytes(js.maxMemory),
          max_file: bytes(js.maxFile),
          max_streams: js.maxStreams,
          max_consumers: js.maxConsumers,
        },
        users,
      },
    },
  };
}

/** The include file mounted on every server, and its checksum. */
export function renderAccounts(fleet: Fleet, keys: IdentityKeys): { readonly text: string; readonly checksum: string } {
  const text = formatConfFragment(accountsDoc(fleet, keys));
  return { text, checksum: createHash('sha256').update(text).digest('hex') };
}
