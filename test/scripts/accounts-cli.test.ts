import type { Fleet } from '../../config/types';
import { mintJwts } from '../../lib/nats/jwt-bundle';
import { newJwtSeeds } from '../../lib/secrets/material';
import { runAccountsCli } from '../../scripts/accounts';
import { exampleFleet } from '../fixtures/fleet';
import type { JwtBundle } from '../../lib/nats/jwt-bundle';

const full: Fleet = { ...exampleFleet, auth: { mode: 'jwt', resolver: 'full' } };
const memory: Fleet = { ...exampleFleet, auth: { mode: 'jwt' } };

/** The accounts CLI's refusals that need no server: they return before connecting (test/e2e/account-jwt-full.test.ts runs the rest). */
async function run(argv: string[], fleet: Fleet = full, jwts?: JwtBundle): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAccountsCli(argv, { fleet, jwts, storeFile: '/nonexistent/nats.age', env: {}, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run accounts -- push: refusals before any connection', () => {
  test('--help prints the usage with every exit status, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: npm run accounts -- push \[options\]/);
    expect(r.out).toContain('2 usage; 3 refused, nothing pushed');
    expect(r.out).toContain('4 pushed, but some servers did not answer');
  });

  test('no command, an unknown one, or a bad --timeout: exit 2 naming what is wrong', async () => {
    expect(await run([])).toEqual(expect.objectContaining({ code: 2, err: expect.stringMatching(/^no command\n\nusage:/) }));
    expect(await run(['pull'])).toEqual(expect.objectContaining({ code: 2, err: expect.stringMatching(/^unknown command "pull"\n\nusage:/) }));
    expect(await run(['push', '--timeout', 'soon'])).toEqual({ code: 2, out: '', err: '--timeout must be a number of seconds, got "soon"' });
    expect(await run(['push', '--timeout', '0'])).toEqual({ code: 2, out: '', err: '--timeout must be a number of seconds, got "0"' });
    expect((await run(['push', '--force'])).code).toBe(2);
  });

  test('a fleet on the MEMORY resolver or in nkeys mode: exit 3, the deploy applies config/jwt.json there', async () => {
    const message = "refusing: the fleet's servers do not run the full resolver (set auth: { mode: 'jwt', resolver: 'full' }); with the MEMORY resolver a deploy applies config/jwt.json";
    expect(await run(['push'], memory)).toEqual({ code: 3, out: '', err: message });
    expect(await run(['push'], exampleFleet)).toEqual({ code: 3, out: '', err: message });
  });

  test('no config/jwt.json, or one without the push user: exit 3 naming keys sync', async () => {
    const message = 'refusing: config/jwt.json has no resolver-push user; run `npm run keys -- sync`, commit and deploy first';
    expect(await run(['push'])).toEqual({ code: 3, out: '', err: message });
    const memoryBundle = mintJwts(memory, {}, newJwtSeeds(memory), 1_700_000_000);
    expect(await run(['push'], full, memoryBundle)).toEqual({ code: 3, out: '', err: message });
  });

  test('a store that cannot be read: exit 1, naming the servers and the store, before any connection', async () => {
    const bundle = mintJwts(full, {}, newJwtSeeds(full), 1_700_000_000);
    const r = await run(['push', '--servers', 'nats://127.0.0.1:1'], full, bundle);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cannot connect to nats:\/\/127\.0\.0\.1:1 as resolver-push: .*nats\.age does not exist: run `npm run keys -- init`/);
  });
});
