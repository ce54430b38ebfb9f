import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { everyBucketStream, originStreamName } from '../nats/kv-placement';
import type { StreamInfo } from './promote';
import { deleteStream, streamInfo, streamNames } from './promote';
import { jsApi } from './js-api';
import { readSnapshot } from './snapshot';

/*
 * Moving the bucket into another account, every revision kept
 * (docs/jwt-migration.md: nkeys mode names the account HARMONY, JWT mode by
 * its public key, and JetStream files streams under the account's name, so
 * the bucket does not follow by itself). Seal the origin, snapshot it
 * (`snapshotBucket`), drop the bucket's streams, switch the servers, then
 * restore the snapshot (`restoreBucket`) in the new account: a restore keeps
 * every sequence, so every revision.
 */

/** Thrown before anything changes, saying why the step may not run. */
export class KvMoveRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvMoveRefusal';
  }
}

/**
 * Seals the origin: every later write is refused ("invalid operation on
 * sealed stream"), reads go on. One way: JetStream never unseals a stream,
 * so the bucket comes back only by a restore (under the fleet's
 * configuration, unsealed). Already sealed is fine.
 */
export async function sealBucket(nc: NatsConnection, fleet: Fleet, timeoutMs = 15_000): Promise<{ readonly stream: string; readonly lastSeq: number; readonly messages: number }> {
  const origin = originStreamName(fleet);
  const info = await streamInfo(nc, origin, Date.now() + timeoutMs);
  // STREAM.UPDATE answers with the stream's info as sealed: its state is final.
  const sealed = info.config.sealed ? info : await jsApi<StreamInfo>(nc, `STREAM.UPDATE.${origin}`, { ...info.config, sealed: true }, timeoutMs);
  return { stream: origin, lastSeq: sealed.state.last_seq, messages: sealed.state.messages };
}

/**
 * Deletes every stream of the bucket (origin, mirrors, a promotion's
 * staging stream), so the meta layer keeps no assignment in an account the
 * servers are about to lose. Refused unless the origin is sealed and the
 * snapshot in `snapshotDir` holds exactly what it holds: then the snapshot
 * is the whole bucket, and deleting loses nothing it does not have.
 */
export async function dropBucket(nc: NatsConnection, fleet: Fleet, snapshotDir: string, timeoutMs = 60_000): Promise<{ readonly deleted: readonly string[] }> {
  const deadline = Date.now() + timeoutMs;
  const origin = originStreamName(fleet);
  const snapshot = readSnapshot(snapshotDir);
  const info = await streamInfo(nc, origin, deadline);
  if (!info.config.sealed) {
    throw new KvMoveRefusal(`${origin} is not sealed: writes after the snapshot would be lost; run \`npm run kv -- seal\`, then take the snapshot again`);
  }
  if (snapshot.config.name !== origin || snapshot.state.last_seq !== info.state.last_seq || snapshot.state.messages !== info.state.messages) {
    throw new KvMoveRefusal(
      `the snapshot in ${snapshotDir} (${snapshot.config.name}: ${snapshot.state.messages} messages, last revision ${snapshot.state.last_seq}) ` +
        `is not the sealed ${origin} (${info.state.messages} messages, last revision ${info.state.last_seq}); take it again: npm run kv -- snapshot --out <new dir>`,
    );
  }
  const present = await streamNames(nc, deadline);
  // The origin last, once nothing mirrors it.
  const doomed = everyBucketStream(fleet).filter((s) => present.has(s) && s !== origin).concat(origin);
  for (const stream of doomed) await deleteStream(nc, stream, deadline);
  return { deleted: doomed };
}
