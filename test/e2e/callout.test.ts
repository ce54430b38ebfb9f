import { readFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { wsconnect } from '@nats-io/nats-core';
import type { Authenticator, NatsConnection } from '@nats-io/transport-node';
import { connect, jwtAuthenticator } from '@nats-io/transport-node';
import WebSocket from 'ws';
import type { Fleet } from '../../config/types';
import { startCalloutResponder } from '../../lib/callout/responder';
import { connectAs } from '../../lib/kv/connect';
import { JsApiError, jsApi } from '../../lib/kv/js-api';
import { provisionBucket } from '../../lib/kv/provision';
import { waitFor } from '../../lib/local/readiness';
import { decodeJwt } from '../../lib/nats/jwt';
import { AUTH_CALLOUT_SUBJECT, CALLOUT_ROLE } from '../../lib/nats/jwt-callout';
import type { NatsClaim } from '../../lib/nats/jwt';
import { encodeJwt } from '../../lib/nats/jwt';
import { authorizationResponseClaim, scopedUserClaim } from '../../lib/nats/jwt-claims';
import type { KeyPair } from 'nkeys.js';
import { createAccount, fromCurveSeed, fromSeed } from 'nkeys.js';
import { inboxPrefix } from '../../lib/nats/permissions';
import { jwtE2eFleet, useSupercluster } from './harness';
import { subscribeRefused } from './probes';

/*
 * Auth callout on real nats-server (JWT mode, fleet.auth.callout): a client
 * holding no seed presents the CALLOUT account's bearer JWT and an
 * application token; the reference responder (lib/callout/responder.ts)
 * admits it into HARMONY with the scope's permissions, or refuses it.
 */

/** JWT mode with a callout, and a WebSocket listener on site-1 (browsers). */
const calloutFleet: Fleet = {
  ...jwtE2eFleet,
  auth: { mode: 'jwt', callout: { permissions: { publish: ['ui.>'], subscribe: ['ui.>'] } } },
  sites: jwtE2eFleet.sites.map((site, i) => (i === 0 ? { ...site, websocket: { tlsSecret: 'nats-websocket-tls' } } : site)),
};
const TOKENS: Record<string, string> = { 'good-token': 'frontend-alice' };
const PUB_DENIED = /Permissions Violation for Publish/;
const SUB_DENIED = /Permissions Violation for Subscription/;

describe('auth callout in JWT mode (real nats-server)', () => {
  const sc = useSupercluster({ fleet: calloutFleet });
  const open: NatsConnection[] = [];
  let responder: { close(): Promise<void> } | undefined;

  const bearer = () => sc.cluster.jwts.callout!.bearer;
  /** A frontend client: the bearer JWT and the application's token, no seed. */
  const frontend = async (token: string | undefined, name = 'frontend'): Promise<NatsConnection> => {
    const authenticator = (() => ({ jwt: bearer(), ...(token ? { auth_token: token } : {}) })) as unknown as Authenticator;
    const nc = await connect({ servers: sc.cluster.clientUrls('site-1'), name, authenticator, inboxPrefix: inboxPrefix(CALLOUT_ROLE), timeout: 5000, maxReconnectAttempts: 0 });
    open.push(nc);
    return nc;
  };
  const refusal = async (nc: NatsConnection, api: string): Promise<string> => {
    try {
      await jsApi(nc, api, {}, 3000);
      return 'accepted';
    } catch (e) {
      return e instanceof JsApiError ? `${e.errCode}: ${e.description}` : (e as Error).message;
    }
  };

  /** A publish the server refuses: the error it reports on the connection, within a bound. */
  const publishRefused = async (nc: NatsConnection, subject: string): Promise<string> => {
    const status = nc.status();
    const refused = (async () => {
      for await (const s of status) if (s.type === 'error') return String((s as { error?: Error }).error?.message ?? JSON.stringify(s));
      return 'status closed';
    })();
    nc.publish(subject, 'x');
    await nc.flush();
    return Promise.race([refused, new Promise<string>((r) => setTimeout(() => r('no refusal within 3 s'), 3000))]);
  };

  beforeAll(async () => {
    const seeds = sc.material.jwt!.callout!;
    responder = await startCalloutResponder({
      servers: sc.cluster.clientUrls('site-1'),
      credential: { seed: seeds.responder, jwt: sc.cluster.jwts.callout!.responder },
      seeds,
      appAccount: decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub,
      checkToken: (token) => (TOKENS[token] ? { name: TOKENS[token] } : undefined),
    });
    await provisionBucket(await connectAs('provisioner', sc.cluster.clientUrls('site-1'), sc.cluster.credentials('provisioner')), sc.cluster.fleet).then(() => undefined);
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await responder?.close();
  });

  test('a good token is admitted into HARMONY under the name the responder gives, with exactly auth.callout.permissions', async () => {
    const alice = await frontend('good-token', 'alice-browser');
    const peer = await frontend('good-token', 'alice-peer');
    const got: string[] = [];
    const sub = peer.subscribe('ui.hello');
    (async () => {
      for await (const m of sub) got.push(new TextDecoder().decode(m.data));
    })();
    await peer.flush();
    // Core NATS keeps nothing: until the peer's interest has reached alice's server over the routes, a publish is dropped; so publish until one arrives.
    await waitFor('the ui message', async () => (alice.publish('ui.hello', 'hi'), got), (g) => g.length > 0, 5000);
    expect(new Set(got)).toEqual(new Set(['hi']));

    const server = sc.cluster.serversOf('site-1').find((s) => alice.info?.server_name === s.name)!;
    const connz = (await (await fetch(`${server.monitorUrl}/connz?auth=true`)).json()) as { connections: { name?: string; account?: string; authorized_user?: string }[] };
    expect(connz.connections.find((c) => c.name === 'alice-browser')).toEqual(expect.objectContaining({ account: decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub, authorized_user: 'frontend-alice' }));
  });

  test('the admitted client reaches neither the bucket, the JetStream API, nor another identity\'s replies', async () => {
    const alice = await frontend('good-token');
    await expect(alice.request('$KV.HARMONY.x', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
    expect(await refusal(alice, 'STREAM.INFO.KV_HARMONY')).toMatch(PUB_DENIED);
    expect(await subscribeRefused(alice, '_INBOX_agent.>')).toMatch(SUB_DENIED);
  });

  test.each([
    ['a wrong token', 'stolen-or-made-up'],
    ['no token', undefined],
  ])('%s is refused', async (_, token) => {
    await expect(frontend(token)).rejects.toThrow(/authorization/i);
  });

  test("the responder's user answers requests and can do nothing else", async () => {
    const seeds = sc.material.jwt!.callout!;
    const nc = await connectAs('callout-responder', sc.cluster.clientUrls('site-1'), { seed: seeds.responder, jwt: sc.cluster.jwts.callout!.responder }, 'responder-probe');
    open.push(nc);
    // It has no reply inbox of its own (requests are not its job): publishes are probed one way.
    for (const subject of ['ui.hello', '$JS.API.INFO', '$SYS.REQ.USER.AUTH']) expect(await publishRefused(nc, subject)).toMatch(PUB_DENIED);
    expect(await subscribeRefused(nc, 'ui.>')).toMatch(SUB_DENIED);
    expect(await subscribeRefused(nc, '>')).toMatch(SUB_DENIED);
  });

  describe('over WebSocket (sites[].websocket, TLS)', () => {
    /** nats.js over the `ws` package, trusting the fleet CA that signs the local certificates. */
    const overWebSocket = async (authenticator: Authenticator, name: string, urls = sc.cluster.websocketUrls('site-1'), inbox = inboxPrefix(CALLOUT_ROLE)): Promise<NatsConnection> => {
      const ca = sc.cluster.material.ca.certPem;
      (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { ca });
        }
      };
      const nc = await wsconnect({ servers: urls, name, authenticator, inboxPrefix: inbox, timeout: 5000, maxReconnectAttempts: 0 });
      open.push(nc);
      return nc;
    };
    afterAll(() => {
      delete (globalThis as { WebSocket?: unknown }).WebSocket;
    });

    test('the callout admits a browser with a good token over wss://, with the scope\'s permissions; a wrong token is refused', async () => {
      const browser = await overWebSocket((() => ({ jwt: bearer(), auth_token: 'good-token' })) as unknown as Authenticator, 'browser');
      const got: string[] = [];
      const sub = browser.subscribe('ui.ws');
      (async () => {
        for await (const m of sub) got.push(new TextDecoder().decode(m.data));
      })();
      await browser.flush();
      const peer = await frontend('good-token', 'plain-peer');
      await waitFor('the message over WebSocket', async () => (peer.publish('ui.ws', 'across protocols'), got), (g) => g.length > 0, 5000);
      expect(new Set(got)).toEqual(new Set(['across protocols']));
      await expect(browser.request('$KV.HARMONY.x', 'x', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      await expect(overWebSocket((() => ({ jwt: bearer(), auth_token: 'made-up' })) as unknown as Authenticator, 'bad-browser')).rejects.toThrow(/authorization/i);
    });

    test('an identity connects over wss:// with the same account and permissions as on the NATS port', async () => {
      const agent = sc.cluster.credentials('agent');
      const nc = await overWebSocket(jwtAuthenticator(agent.jwt!, new TextEncoder().encode(agent.seed)), 'agent-ws', sc.cluster.websocketUrls('site-1'), inboxPrefix('agent'));
      const kv = await new Kvm(nc).open('HARMONY', { allow_direct: true });
      await kv.put('agent.websocket', 'ok');
      expect((await kv.get('agent.websocket'))?.string()).toBe('ok');
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      await expect(jsm.streams.delete('KV_HARMONY')).rejects.toThrow(PUB_DENIED);
    });

    test('plain ws:// is refused: the listener speaks TLS only', async () => {
      const plain = sc.cluster.websocketUrls('site-1').map((u) => u.replace('wss://', 'ws://'));
      await expect(overWebSocket((() => ({ jwt: bearer(), auth_token: 'good-token' })) as unknown as Authenticator, 'plain', plain)).rejects.toThrow();
    });
  });

  test('a responder that grants more than the scope (or signs with a key it should not have) gets nobody in', async () => {
    await responder?.close();
    const seeds = sc.material.jwt!.callout!;
    const harmony = decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub;
    const xkey = fromCurveSeed(new TextEncoder().encode(seeds.xkey));
    const signer = fromSeed(new TextEncoder().encode(seeds.account.signingKeys[0]));
    let grant: { signer: KeyPair; nats: NatsClaim } = { signer: fromSeed(new TextEncoder().encode(seeds.scope)), nats: { issuer_account: harmony, pub: { allow: ['>'] }, sub: { allow: ['>'] }, type: 'user', version: 2 } };
    let answered = 0;
    const rogue = await connectAs('callout-responder', sc.cluster.clientUrls('site-1'), { seed: seeds.responder, jwt: sc.cluster.jwts.callout!.responder }, 'rogue');
    open.push(rogue);
    rogue.subscribe(AUTH_CALLOUT_SUBJECT, {
      callback: (_, msg) => {
        const serverXkey = msg.headers!.get('Nats-Server-Xkey');
        const request = decodeJwt(new TextDecoder().decode(xkey.open(msg.data, serverXkey)!));
        const fields = request.nats as unknown as { user_nkey: string; server_id: { id: string } };
        const jwt = encodeJwt(grant.signer, { sub: fields.user_nkey, name: 'rogue', iat: Math.floor(Date.now() / 1000), nats: grant.nats });
        const response = encodeJwt(signer, { aud: fields.server_id.id, sub: fields.user_nkey, name: '', iat: Math.floor(Date.now() / 1000), nats: authorizationResponseClaim({ jwt }) });
        msg.respond(xkey.seal(new TextEncoder().encode(response), serverXkey));
        answered += 1;
      },
    });
    await rogue.flush();
    // The scoped key with permissions of its own: nats-server requires a scoped user to carry none.
    await expect(frontend('good-token')).rejects.toThrow(/authorization/i);
    const first = answered;
    // A key the application account does not list as a signing key: an unknown issuer.
    grant = { signer: createAccount(), nats: scopedUserClaim(harmony) };
    await expect(frontend('good-token')).rejects.toThrow(/authorization/i);
    await rogue.close();
    // Refused for what the answers said, not for want of one (the client tries each server once): the rogue answered each time, and the servers logged why.
    expect(first).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(first);
    const logs = sc.cluster.serversOf('site-1').map((s) => readFileSync(s.logPath, 'utf8')).join('\n');
    expect(logs).toMatch(/scoped users require no permissions or limits set/);
    expect(logs).toMatch(/is not known/);
  });

  test('without a responder the bearer JWT admits nobody, even with a good token', async () => {
    responder = undefined;
    await expect(frontend('good-token')).rejects.toThrow(/authorization|timeout/i);
  }, 30_000);
});
