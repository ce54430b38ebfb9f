import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offlineCliConfig } from '../../lib/operate/terraform-load';
import type { PlanMeta } from '../../lib/operate/saved-plan';
import { parsePlanMeta, stalePlanProblems, stateHeader } from '../../lib/operate/saved-plan';

const meta = (change: Partial<PlanMeta> = {}): PlanMeta => ({ stack: 'nats-site-1', commit: 'a'.repeat(40), tree: 't1', serial: 4, lineage: 'L', ...change });
const now = { stack: 'nats-site-1', commit: 'a'.repeat(40), tree: 't1', state: { serial: 4, lineage: 'L' } };

describe('stalePlanProblems', () => {
  test('the same tree and state: the plan holds', () => {
    expect(stalePlanProblems(meta(), now)).toEqual([]);
    // A merge commit with the same tree carries the same configuration.
    expect(stalePlanProblems(meta({ commit: 'b'.repeat(40) }), now)).toEqual([]);
  });

  test.each([
    ['another commit with another configuration', { tree: 't2' }, now, /made from commit aaaaaaaaaaaa, whose configuration differs from the checked-out aaaaaaaaaaaa/],
    ['a state serial that moved', {}, { ...now, state: { serial: 5, lineage: 'L' } }, /the state moved from serial 4 to 5 since the plan/],
    ['a state of another lineage', {}, { ...now, state: { serial: 4, lineage: 'M' } }, /the state's lineage changed/],
    ['a state that appeared', { serial: null, lineage: null }, now, /made with no state, and the state now has serial 4/],
    ['a state that vanished', {}, { ...now, state: null }, /there is no state now/],
    ['another stack', { stack: 'nats-site-2' }, now, /the plan is for nats-site-2, not nats-site-1/],
  ])('refuses %s', (_, change, observed, message) => {
    expect(stalePlanProblems(meta(change), observed)).toEqual([expect.stringMatching(message)]);
  });

  test('the record is checked, and errors name the file', () => {
    expect(() => parsePlanMeta('{', 'x.meta.json')).toThrow(/x\.meta\.json is not JSON/);
    expect(() => parsePlanMeta('{"stack":"s"}', 'x.meta.json')).toThrow(/lacks stack, commit, tree, serial or lineage/);
    expect(parsePlanMeta(JSON.stringify(meta()), 'x')).toEqual(meta());
  });
});

/*
 * With the real Terraform and its built-in terraform_data (no provider to
 * download): a plan is saved, another apply moves the state, and both this
 * project's check and Terraform refuse the saved plan.
 */
describe('a saved plan against the real terraform', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-saved-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'mirror'));
  writeFileSync(join(dir, 'offline.tfrc'), offlineCliConfig(join(dir, 'mirror')));
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ variable: { x: { type: 'string' } }, resource: { terraform_data: { a: { input: '${var.x}' } } }, terraform: { backend: { local: { path: 'state.tfstate' } } } }));
  const tf = (x: string, ...args: string[]) =>
    spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'offline.tfrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_VAR_x: x } });
  const state = () => stateHeader(tf('0', 'state', 'pull').stdout);

  test('a plan saved before another apply is refused by the check and by terraform', () => {
    expect(tf('0', 'init', '-input=false').status).toBe(0);
    expect(tf('1', 'apply', '-auto-approve', '-input=false').status).toBe(0);
    const planned = state();
    expect(planned).toEqual({ serial: expect.any(Number), lineage: expect.any(String) });
    expect(tf('2', 'plan', '-input=false', '-out=p.tfplan').status).toBe(0);
    const record = meta({ serial: planned!.serial, lineage: planned!.lineage });
    // Nothing moved yet: the plan holds.
    expect(stalePlanProblems(record, { ...now, state: state() })).toEqual([]);

    // Someone applies something else meanwhile.
    expect(tf('3', 'apply', '-auto-approve', '-input=false').status).toBe(0);
    const moved = state()!;
    expect(moved.serial).toBeGreaterThan(planned!.serial);
    expect(stalePlanProblems(record, { ...now, state: moved })).toEqual([`the state moved from serial ${planned!.serial} to ${moved.serial} since the plan: another apply ran; plan again`]);
    const late = tf('2', 'apply', '-input=false', 'p.tfplan');
    expect(late.status).not.toBe(0);
    expect(late.stderr).toContain('Saved plan is stale');
  });
});
