import type { Fleet } from '../../../config/types';
import { bucketStreams, mirrorStreamConfig, originStreamConfig } from '../../../lib/kv/stream-configs';
import { exampleFleet } from '../../fixtures/fleet';

/*
 * The JSON every stream of the bucket is created with, written out from the
 * example fleet's account.kv (history 5, maxBytes 2Gi, maxValueSize 512Ki,
 * origin R3 in site-1, mirrors R1): the guards (no rollup, deny_delete),
 * the limits and the placement are each a line here, not a recomputation.
 */
const GUARDED = {
  retention: 'limits',
  storage: 'file',
  discard: 'new',
  max_msgs_per_subject: 5,
  max_bytes: 2 * 1024 ** 3,
  max_msg_size: 512 * 1024,
  max_msgs: -1,
  max_age: 0,
  max_consumers: 32,
  consumer_limits: { inactive_threshold: 5 * 60 * 1e9 },
  allow_rollup_hdrs: false,
  deny_delete: true,
  deny_purge: false,
};

describe('the bucket stream configurations', () => {
  test('the origin: the KV subjects, R3 in the home site, direct gets, a two-minute duplicate window, the guards', () => {
    expect(originStreamConfig(exampleFleet)).toEqual({
      ...GUARDED,
      name: 'KV_HARMONY',
      description: 'HARMONY KV bucket HARMONY in site-1 (harmony-infra)',
      subjects: ['$KV.HARMONY.>'],
      num_replicas: 3,
      placement: { cluster: 'site-1' },
      duplicate_window: 2 * 60 * 1e9,
      allow_direct: true,
      mirror_direct: false,
    });
  });

  test('a mirror: no subjects of its own, mirrors the origin, answers its direct gets, R1 in its site, the same guards', () => {
    const config = bucketStreams(exampleFleet).find((s) => s.site === 'site-3')!.config;
    expect(config).toEqual({
      ...GUARDED,
      name: 'KV_HARMONY_site-3',
      description: 'HARMONY KV bucket HARMONY_site-3 in site-3 (harmony-infra)',
      num_replicas: 1,
      placement: { cluster: 'site-3' },
      mirror: { name: 'KV_HARMONY' },
      mirror_direct: true,
      allow_direct: true,
    });
    expect(config).not.toHaveProperty('subjects');
  });

  test('every stream of the bucket, the origin first, each with its site', () => {
    expect(bucketStreams(exampleFleet).map((s) => [s.site, s.config.name])).toEqual([
      ['site-1', 'KV_HARMONY'],
      ['site-2', 'KV_HARMONY_site-2'],
      ['site-3', 'KV_HARMONY_site-3'],
    ]);
  });

  test("the fleet's limits reach every stream: history, sizes, replicas", () => {
    const fleet: Fleet = { ...exampleFleet, account: { ...exampleFleet.account, kv: { ...exampleFleet.account.kv, history: 12, maxBytes: '1Gi', maxValueSize: '64Ki', replicas: 1, mirrorReplicas: 3 } } };
    for (const { site, config } of bucketStreams(fleet)) {
      expect(config).toMatchObject({ max_msgs_per_subject: 12, max_bytes: 1024 ** 3, max_msg_size: 64 * 1024, num_replicas: site === 'site-1' ? 1 : 3 });
    }
  });

  test('after a promotion the origin lives in the new home site under its in-place name; mirrors follow it', () => {
    const fleet: Fleet = { ...exampleFleet, account: { ...exampleFleet.account, kv: { ...exampleFleet.account.kv, homeSite: 'site-2', originStream: 'KV_HARMONY_site-2' } } };
    expect(originStreamConfig(fleet)).toMatchObject({ name: 'KV_HARMONY_site-2', placement: { cluster: 'site-2' }, subjects: ['$KV.HARMONY.>'], num_replicas: 3 });
    const mirror = bucketStreams(fleet).find((s) => s.site === 'site-1')!.config;
    expect(mirror).toMatchObject({ mirror: { name: 'KV_HARMONY_site-2' }, placement: { cluster: 'site-1' } });
    expect(mirrorStreamConfig(fleet, { site: 'site-3', stream: 'KV_HARMONY_site-3', bucket: 'HARMONY_site-3', replicas: 1 })).toMatchObject({ mirror: { name: 'KV_HARMONY_site-2' }, name: 'KV_HARMONY_site-3' });
  });
});
