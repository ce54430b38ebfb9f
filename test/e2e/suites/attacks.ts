import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectAs } from '../../../lib/kv/connect';
import { JsApiError, jsApi } from '../../../lib/kv/js-api';
import { streamInfo } from '../../../lib/kv/promote';
import { provisionBucket } from '../../../lib/kv/provision';
import { snapshotStream } from '../../../lib/kv/snapshot';
import { waitFor } from '../../../lib/local/readiness';
import type { Fleet } from '../../../config/types';
import { authMode } from '../../../lib/defaults';
import { useSupercluster } from '../harness';
import { subscribeRefused } from '../probes';

/*
 * The HARMONY account against an attacker holding one identity's seed, on
 * real nats-server (the suite runs on the newest and the oldest supported
 * line). Each test is one attack and asserts it is prevented; residual
 * risks are in docs/security.md with their mitigation. docs/security.md
 * names the test proving each row.
 */

const PUB_DENIED = /Permissions Violation for Publish/;
const decoder = new TextDecoder();

/** The attack suite against the fleet's supercluster; it runs in nkeys and in JWT mode (attacks*.test.ts). */
export function attackSuite(fleet: Fleet): void {
  describe(`attacks on the HARMONY account, ${authMode(fleet)} mode (real nats-server)`, () => {
    const sc = useSupercluster({ fleet });
    const open: NatsConnection[] = [];
    const as = async (identity: string, site = 'site-1') => {
      const nc = await connectAs(identity, sc.cluster.clientUrls(site), sc.cluster.credentials(identity), `attack-${identity}`);
      open.push(nc);
      return nc;
    };
    afterAll(async () => {
      await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    });


    /** A raw JetStream API call: the error the server or its permissions answer. */
    const refused = async (nc: NatsConnection, api: string, body: unknown = {}): Promise<string> => {
      try {
        await jsApi(nc, api, body, 3000);
        return 'accepted';
      } catch (e) {
        return e instanceof JsApiError ? `${e.errCode}: ${e.description}` : (e as Error).message;
      }
    };

    beforeAll(async () => {
      await provisionBucket(await as('provisioner'), sc.cluster.fleet);
      const kv = await new Kvm(await as('agent')).open('HARMONY');
      for (const key of ['a', 'b', 'c']) {
        await kv.put(`victim.${key}`, `${key}-1`);
        await kv.put(`victim.${key}`, `${key}-2`);
      }
    });

    describe('holding the agent seed (every agent, every site)', () => {
      test("cannot erase other keys' history with a rollup header (Nats-Rollup: all)", async () => {
        const agent = await as('agent');
        const h = headers();
        h.set('Nats-Rollup', 'all');
        const reply = await agent.request('$KV.HARMONY.attacker', 'wipe', { headers: h, timeout: 3000 });
        const ack = JSON.parse(decoder.decode(reply.data)) as { error?: { description: string } };
        expect(ack.error?.description).toMatch(/rollup/i);
        const history = await new Kvm(agent).open('HARMONY').then(async (kv) => {
          const seen: string[] = [];
          for await (const e of await kv.history({ key: 'victim.a' })) seen.push(e.string());
          return seen;
        });
        expect(history).toEqual(['a-1', 'a-2']);
      });

      test.each([
        ['purge the bucket', 'STREAM.PURGE.KV_HARMONY', {}],
        ['delete one message', 'STREAM.MSG.DELETE.KV_HARMONY', { seq: 1 }],
        ['delete the bucket', 'STREAM.DELETE.KV_HARMONY', {}],
        ['truncate it (max_msgs: 1)', 'STREAM.UPDATE.KV_HARMONY', { name: 'KV_HARMONY', max_msgs: 1 }],
        ['seal it for good', 'STREAM.UPDATE.KV_HARMONY', { name: 'KV_HARMONY', sealed: true }],
        ['snapshot it', 'STREAM.SNAPSHOT.KV_HARMONY', { deliver_subject: '_INBOX_agent.snap' }],
        ['create a stream of its own (use up maxStreams)', 'STREAM.CREATE.AGENT_OWN', { name: 'AGENT_OWN', subjects: ['agent-own.>'] }],
        ["list the bucket's consumers (learn others' deliver subjects)", 'CONSUMER.LIST.KV_HARMONY', {}],
        ['purge the account', 'ACCOUNT.PURGE.HARMONY', {}],
      ])('cannot %s', async (_, api, body) => {
        expect(await refused(await as('agent'), api, body)).toMatch(PUB_DENIED);
      });

      test("cannot read other identities' replies: neither the shared _INBOX.> nor another's inbox", async () => {
        const agent = await as('agent');
        expect(await subscribeRefused(agent, '_INBOX.>')).toMatch(/Permissions Violation for Subscription to "_INBOX\.>"/);
        expect(await subscribeRefused(agent, '_INBOX_provisioner.>')).toMatch(/Permissions Violation for Subscription/);
        expect(await subscribeRefused(agent, '_INBOX_monitor.*')).toMatch(/Permissions Violation for Subscription/);
      });

      test('cannot use up the account\'s consumers: the bucket caps its own (32), and idle ones expire', async () => {
        const agent = await as('agent');
        const create = (i: number) =>
          refused(agent, `CONSUMER.CREATE.KV_HARMONY.hog${i}`, { stream_name: 'KV_HARMONY', config: { name: `hog${i}`, durable_name: `hog${i}`, ack_policy: 'explicit', filter_subject: '$KV.HARMONY.victim.a' } });
        const existing = (await jsApi<{ state: { consumer_count: number } }>(agent, 'STREAM.INFO.KV_HARMONY')).state.consumer_count;
        try {
          for (let i = 0; i < 32 - existing; i++) expect(await create(i)).toBe('accepted');
          expect(await create(32 - existing)).toMatch(/maximum consumers limit reached/);
          // The stream's consumer limits bound a durable's life: it goes after 5 idle minutes.
          const info = await jsApi<{ config: { inactive_threshold?: number } }>(agent, 'CONSUMER.INFO.KV_HARMONY.hog0');
          expect(info.config.inactive_threshold).toBe(300_000_000_000);
          // The rest of the account still has room: a mirror takes consumers.
          const monitor = await as('monitor', 'site-2');
          expect((await streamInfo(monitor, 'KV_HARMONY_site-2')).config.max_consumers).toBe(32);
        } finally {
          for (let i = 0; i <= 32; i++) await refused(agent, `CONSUMER.DELETE.KV_HARMONY.hog${i}`);
        }
      });

      test('cannot store a value over the bucket limit (512Ki), nor send one over max_payload (1Mi)', async () => {
        const agent = await as('agent');
        const kv = await new Kvm(agent).open('HARMONY');
        await expect(kv.put('big', new Uint8Array(600 * 1024))).rejects.toThrow(/message size exceeds maximum allowed/i);
        expect(() => agent.publish('$KV.HARMONY.huge', new Uint8Array(1100 * 1024))).toThrow(/max_payload|exceeds|too large/i);
        await expect(kv.get('big')).resolves.toBeNull();
      });

      test('cannot reach another bucket or $SYS', async () => {
        const agent = await as('agent');
        expect(await refused(agent, 'DIRECT.GET.KV_OTHER', { last_by_subj: '$KV.OTHER.k' })).toMatch(PUB_DENIED);
        await expect(agent.request('$SYS.REQ.SERVER.PING', '', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      });
    });

    describe('holding the provisioning seed (in every site\'s Secret)', () => {
      test.each([
        ['truncate the bucket (max_msgs: 1)', 'STREAM.UPDATE.KV_HARMONY', { name: 'KV_HARMONY', max_msgs: 1 }],
        ['seal it for good', 'STREAM.UPDATE.KV_HARMONY', { name: 'KV_HARMONY', sealed: true }],
        ['lift deny_delete', 'STREAM.UPDATE.KV_HARMONY', { name: 'KV_HARMONY', deny_delete: false }],
        ['delete it', 'STREAM.DELETE.KV_HARMONY', {}],
        ['purge it', 'STREAM.PURGE.KV_HARMONY', {}],
        ['delete a message', 'STREAM.MSG.DELETE.KV_HARMONY', { seq: 1 }],
        ['update a mirror', 'STREAM.UPDATE.KV_HARMONY_site-2', { name: 'KV_HARMONY_site-2', max_msgs: 1 }],
      ])('cannot %s', async (_, api, body) => {
        expect(await refused(await as('provisioner', 'site-2'), api, body)).toMatch(PUB_DENIED);
      });

      test('cannot replace the bucket through create: the name is taken with another configuration', async () => {
        const provisioner = await as('provisioner', 'site-2');
        const before = (await streamInfo(provisioner, 'KV_HARMONY')).config;
        const outcome = await refused(provisioner, 'STREAM.CREATE.KV_HARMONY', { ...before, max_msgs: 1 });
        expect(outcome).toMatch(/^10058: stream name already in use/);
        expect((await streamInfo(provisioner, 'KV_HARMONY')).config.max_msgs).toBe(-1);
      });

      test('cannot write or read the data', async () => {
        const provisioner = await as('provisioner', 'site-2');
        await expect(provisioner.request('$KV.HARMONY.victim.a', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
        expect(await refused(provisioner, 'DIRECT.GET.KV_HARMONY', { last_by_subj: '$KV.HARMONY.victim.a' })).toMatch(PUB_DENIED);
      });
    });

    describe("holding the kv-snapshot seed (in the home site's Secret, for the snapshot CronJob)", () => {
      test('can do its job: a snapshot of the origin (control)', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'attack-snapshot-'));
        try {
          const result = await snapshotStream(await as('kv-snapshot'), 'KV_HARMONY', join(dir, 'snap'));
          expect(result.state.messages).toBeGreaterThan(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      test.each([
        ['purge the bucket', 'STREAM.PURGE.KV_HARMONY', {}],
        ['delete a message', 'STREAM.MSG.DELETE.KV_HARMONY', { seq: 1 }],
        ['delete the bucket', 'STREAM.DELETE.KV_HARMONY', {}],
        ['truncate it (max_msgs: 1)', 'STREAM.UPDATE.KV_HARMONY', { name: 'KV_HARMONY', max_msgs: 1 }],
        ['restore over it', 'STREAM.RESTORE.KV_HARMONY', { config: { name: 'KV_HARMONY' }, state: {} }],
        ['create a stream', 'STREAM.CREATE.SNAP_OWN', { name: 'SNAP_OWN', subjects: ['snap-own.>'] }],
        ['read a value (direct get)', 'DIRECT.GET.KV_HARMONY', { last_by_subj: '$KV.HARMONY.victim.a' }],
        ['read a message (msg get)', 'STREAM.MSG.GET.KV_HARMONY', { seq: 1 }],
        ['create a consumer (watch the bucket)', 'CONSUMER.CREATE.KV_HARMONY', { stream_name: 'KV_HARMONY', config: { ack_policy: 'none' } }],
        ["read a mirror's info", 'STREAM.INFO.KV_HARMONY_site-2', {}],
        ['snapshot a mirror', 'STREAM.SNAPSHOT.KV_HARMONY_site-2', { deliver_subject: '_INBOX_kv-snapshot.x' }],
        ['list the streams', 'STREAM.NAMES', {}],
        ['purge the account', 'ACCOUNT.PURGE.HARMONY', {}],
      ])('cannot %s', async (_, api, body) => {
        expect(await refused(await as('kv-snapshot'), api, body)).toMatch(PUB_DENIED);
      });

      test('cannot write to the bucket, nor read another identity\'s replies', async () => {
        const snap = await as('kv-snapshot');
        await expect(snap.request('$KV.HARMONY.victim.a', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
        expect(await subscribeRefused(snap, '_INBOX_agent.>')).toMatch(/Permissions Violation for Subscription/);
        expect(await subscribeRefused(snap, '$KV.HARMONY.>')).toMatch(/Permissions Violation for Subscription/);
      });

      test('the restore path stays closed to it: no chunk reaches a restore deliver subject', async () => {
        const snap = await as('kv-snapshot');
        await expect(snap.request('$JS.SNAPSHOT.RESTORE.KV_HARMONY.guess', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      });
    });

    describe('holding the monitor seed', () => {
      test('reads state, writes nothing, reads no value', async () => {
        const monitor = await as('monitor', 'site-3');
        expect((await streamInfo(monitor, 'KV_HARMONY')).state.messages).toBeGreaterThan(0);
        await expect(monitor.request('$KV.HARMONY.victim.a', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
        expect(await refused(monitor, 'DIRECT.GET.KV_HARMONY', { last_by_subj: '$KV.HARMONY.victim.a' })).toMatch(PUB_DENIED);
        expect(await refused(monitor, 'CONSUMER.CREATE.KV_HARMONY', { stream_name: 'KV_HARMONY', config: { ack_policy: 'none' } })).toMatch(PUB_DENIED);
        expect(await subscribeRefused(monitor, '_INBOX_agent.>')).toMatch(/Permissions Violation for Subscription/);
      });
    });

    describe("holding a service's seed (e2e-probe: e2e.> only)", () => {
      test('reaches neither the bucket nor the JetStream API', async () => {
        const probe = await as('e2e-probe');
        await expect(probe.request('$KV.HARMONY.victim.a', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
        expect(await refused(probe, 'STREAM.INFO.KV_HARMONY')).toMatch(PUB_DENIED);
        expect(await subscribeRefused(probe, '$KV.HARMONY.>')).toMatch(/Permissions Violation for Subscription/);
      });
    });

    describe("holding a subscribe-only service's seed (e2e-listener: publish [], subscribe e2e.>)", () => {
      test('publishes nothing at all: not its own subjects, not the bucket, not the JetStream API; still receives what it may', async () => {
        const listener = await as('e2e-listener');
        const probe = await as('e2e-probe');
        const got: string[] = [];
        const sub = listener.subscribe('e2e.listen');
        (async () => {
          for await (const m of sub) got.push(decoder.decode(m.data));
        })();
        await listener.flush();
        // An empty allow list is no restriction to nats-server: it must reach the server as a deny of everything.
        await expect(listener.request('$KV.HARMONY.victim.a', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
        expect(await refused(listener, 'STREAM.DELETE.KV_HARMONY')).toMatch(PUB_DENIED);
        await expect(listener.request('e2e.listen', 'own subject', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
        // Until the listener's interest has reached the probe's server, a publish is dropped: publish until one arrives.
        await waitFor('the probe message', async () => (probe.publish('e2e.listen', 'from the probe'), got), (g) => g.length > 0, 5000);
        expect(new Set(got)).toEqual(new Set(['from the probe']));
      });
    });

    describe('residual risk, demonstrated (docs/security.md)', () => {
      test("a consumer's deliver subject is not checked against its creator's rights: the agent can push into another identity's inbox it knows", async () => {
        const agent = await as('agent');
        const monitor = await as('monitor');
        const trap = '_INBOX_monitor.known-name';
        const received = new Promise<string>((resolve) => {
          const sub = monitor.subscribe(trap, { max: 1 });
          (async () => {
            for await (const m of sub) resolve(m.subject);
          })();
        });
        await monitor.flush();
        const outcome = await refused(agent, 'CONSUMER.CREATE.KV_HARMONY.injector', {
          stream_name: 'KV_HARMONY',
          config: { name: 'injector', deliver_subject: trap, ack_policy: 'none', filter_subject: '$KV.HARMONY.victim.a' },
        });
        try {
          expect(outcome).toBe('accepted');
          // The monitor's subscription got the bucket's message, delivered there by the agent's consumer.
          expect(await received).toBe('$KV.HARMONY.victim.a');
        } finally {
          await refused(agent, 'CONSUMER.DELETE.KV_HARMONY.injector');
        }
      });
    });
  });
}
