import { existsSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import type { StreamInfo } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../../lib/kv/connect';
import { provisionBucket } from '../../lib/kv/provision';
import { kvLayout } from '../../lib/nats/kv-placement';
import { serverState, waitFor } from '../../lib/local/readiness';
import { currentKey } from '../../lib/secrets/material';
import { useSupercluster } from './harness';

/**
 * The DR drill of docs/dr.md on the local supercluster: a mirror site loses
 * its servers and their disks, the bucket keeps taking writes at the home
 * site meanwhile, and the site is rebuilt from the very same config (what a
 * redeploy of its stack does). It must rejoin the supercluster through its
 * gateways and its mirror must hold every key again.
 */
const LOST = 'site-3';
const BEFORE = 25;
const DURING = 25;

describe(`DR drill: ${LOST} is lost with its storage and rebuilt from the same config`, () => {
  const sc = useSupercluster();
  const open: NatsConnection[] = [];
  const as = async (identity: string, site: string) => {
    const nc = await connectAs(identity, sc.cluster.clientUrls(site), currentKey(sc.material, identity).seed, `dr-${identity}-${site}`);
    open.push(nc);
    return nc;
  };

  const layout = () => kvLayout(sc.cluster.fleet);
  const mirrorStream = () => layout().mirrors.find((m) => m.site === LOST)!.stream;
  const keyOf = (phase: string, i: number) => `dr.${phase}.${String(i).padStart(3, '0')}`;
  const expected = new Map<string, string>();

  /** The mirror's state as the `monitor` identity sees it, with its subjects; undefined while it is offline. */
  const mirrorInfo = async (monitor: NatsConnection): Promise<StreamInfo | undefined> => {
    const jsm = await jetstreamManager(monitor, { checkAPI: false });
    try {
      return await jsm.streams.info(mirrorStream(), { subjects_filter: '>' });
    } catch {
      return undefined;
    }
  };
  const holdsEverything = (info: StreamInfo | undefined): boolean => {
    const subjects = info?.state.subjects ?? {};
    return info?.state.messages === expected.size && [...expected.keys()].every((k) => subjects[`$KV.${layout().origin.bucket}.${k}`] === 1);
  };

  beforeAll(async () => {
    expect(layout().origin.site).not.toBe(LOST);
    expect(mirrorStream()).toBe('KV_HARMONY_site-3');
    await provisionBucket(await as('provisioner', layout().origin.site), sc.cluster.fleet);
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
  });

  test(`the mirror in ${LOST} rejoins and catches up with every key`, async () => {
    const home = layout().origin.site;
    const agent = await new Kvm(await as('agent', home)).open(layout().origin.bucket, { allow_direct: true });
    for (let i = 0; i < BEFORE; i++) {
      const key = keyOf('before', i);
      expected.set(key, `value-${key}`);
      await agent.put(key, expected.get(key)!);
    }
    const monitor = await as('monitor', home);
    await waitFor(`${mirrorStream()} to mirror the first ${BEFORE} keys`, () => mirrorInfo(monitor), holdsEverything, 20_000);

    // The site is lost, disks included.
    await sc.cluster.stopSite(LOST, { wipe: true });
    for (const server of sc.cluster.serversOf(LOST)) expect(existsSync(server.storeDir)).toBe(false);

    // The platform keeps writing at the home site while it is down.
    for (let i = 0; i < DURING; i++) {
      const key = keyOf('during', i);
      expected.set(key, `value-${key}`);
      await agent.put(key, expected.get(key)!);
    }
    expect((await mirrorInfo(monitor))?.state.messages ?? 0).toBeLessThan(expected.size);

    // Rebuilt from the same config: the same servers, names and certificates, empty storage.
    sc.cluster.startSite(LOST);
    await sc.cluster.waitReady(45_000);

    // Rejoined: each rebuilt server has outbound gateways to every other site again.
    const others = sc.cluster.fleet.sites.map((s) => s.name).filter((s) => s !== LOST);
    for (const server of sc.cluster.serversOf(LOST)) expect((await serverState(server)).outbound).toEqual(expect.arrayContaining(others));

    // Caught up: the mirror (its replica lives in the rebuilt site) holds every key, once.
    const caughtUp = await waitFor(`${mirrorStream()} to catch up with ${expected.size} keys`, () => mirrorInfo(monitor), holdsEverything, 30_000);
    const jsm = await jetstreamManager(monitor, { checkAPI: false });
    const origin = await jsm.streams.info(layout().origin.stream);
    expect(caughtUp!.state.last_seq).toBe(origin.state.last_seq);
    expect(caughtUp!.cluster?.name).toBe(LOST);

    // And the agent connected to the rebuilt site reads every key and value.
    const atLost = await new Kvm(await as('agent', LOST)).open(layout().origin.bucket, { allow_direct: true });
    for (const [key, value] of expected) expect((await atLost.get(key))?.string()).toBe(value);
  }, 120_000);
});
