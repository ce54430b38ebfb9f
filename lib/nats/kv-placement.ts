import type { Fleet } from '../../config/types';
import { bucketHistory, bucketMaxConsumers, bucketName, bucketReplicas, mirrorReplicas } from '../defaults';
import { bytes } from '../quantity';
import { kvStream } from './permissions';

/** One stream holding the bucket's data: the origin or a mirror. */
export interface BucketPlacement {
  /** KV bucket name (the mirror's own name; clients still read the origin's). */
  readonly bucket: string;
  readonly stream: string;
  /** The site (NATS cluster) whose servers hold the replicas. */
  readonly site: string;
  readonly replicas: number;
}

export interface KvLayout {
  readonly origin: BucketPlacement;
  readonly mirrors: readonly BucketPlacement[];
  readonly history: number;
  readonly maxBytes: number;
  readonly maxValueSize: number;
  readonly maxConsumers: number;
}

/**
 * A stream with R replicas in a supercluster keeps all R in one cluster, so
 * R=3 alone does not survive the loss of the home site (DESIGN.md, verified
 * on nats-server). Every other site therefore holds a mirror; with
 * `mirror_direct` the mirrors answer the origin's direct gets, so reads keep
 * working anywhere while the home site is down.
 */
export function kvLayout(fleet: Fleet): KvLayout {
  const kv = fleet.account.kv;
  const bucket = bucketName(kv);
  const mirrors = fleet.sites
    .filter((s) => s.name !== kv.homeSite)
    .map((s) => {
      const name = mirrorBucket(bucket, s.name);
      return { bucket: name, stream: kvStream(name), site: s.name, replicas: mirrorReplicas(kv) };
    });
  return {
    origin: { bucket, stream: originStreamName(fleet), site: kv.homeSite, replicas: bucketReplicas(kv) },
    mirrors,
    history: bucketHistory(kv),
    maxBytes: bytes(kv.maxBytes),
    maxValueSize: bytes(kv.maxValueSize),
    maxConsumers: bucketMaxConsumers(kv),
  };
}

export const mirrorBucket = (bucket: string, site: string): string => `${bucket}_${site}`;

/** The origin's stream: `KV_<bucket>`, or the promoted mirror's name after an in-place promotion. */
export const originStreamName = (fleet: Fleet): string => fleet.account.kv.originStream ?? kvStream(bucketName(fleet.account.kv));

/** Every name the origin may have: `KV_<bucket>` and, after an in-place promotion, any site's mirror name. */
export const originCandidates = (fleet: Fleet): string[] => {
  const bucket = bucketName(fleet.account.kv);
  return [kvStream(bucket), ...fleet.sites.map((s) => kvStream(mirrorBucket(bucket, s.name)))];
};

/** The stream promotion copies a mirror into before it becomes the origin (docs/kv-failover.md). */
export const stagingStream = (bucket: string): string => `PROMOTE_${kvStream(bucket)}`;

/** Every stream the bucket can have under any name: the origin candidates and the staging stream (kv-admin's to manage). */
export const everyBucketStream = (fleet: Fleet): string[] => [...originCandidates(fleet), stagingStream(bucketName(fleet.account.kv))];

/**
 * Every stream the bucket can have, whichever site is home: the origin, a
 * mirror name per site, the promotion staging stream. Permissions are built
 * from these, so promoting a mirror needs no change to the accounts.
 */
export function bucketStreamNames(fleet: Fleet): { readonly origin: string; readonly mirrors: ReadonlyMap<string, string>; readonly staging: string } {
  // The staging stream belongs to the copy promotion, which always rebuilds KV_<bucket>.
  const bucket = bucketName(fleet.account.kv);
  return {
    origin: originStreamName(fleet),
    mirrors: new Map(fleet.sites.map((s) => [s.name, kvStream(mirrorBucket(bucket, s.name))])),
    staging: stagingStream(bucket),
  };
}
