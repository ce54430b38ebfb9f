import { runKvCli } from '../../scripts/kv';
import { exampleFleet } from '../fixtures/fleet';

/** The kv CLI's refusals that need no server: they return before connecting. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKvCli(argv, { fleet: exampleFleet, env: {}, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run kv -- seal / drop (docs/jwt-migration.md)', () => {
  test('drop without --snapshot is refused with what to give it, before any connection', async () => {
    const r = await run(['drop', '--servers', 'nats://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^drop needs --snapshot <dir>: the snapshot taken after `seal`, which must hold everything the origin holds\n/);
  });

  test('the usage lists both commands and the --snapshot option', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}seal {22}refuse every further write to the origin/m);
    expect(r.out).toMatch(/^ {2}drop --snapshot <dir> {5}delete every stream of the bucket; refused unless the origin is sealed/m);
    expect(r.out).toMatch(/^ {2}--snapshot <dir> {6}drop: the snapshot taken after the seal$/m);
  });
});
