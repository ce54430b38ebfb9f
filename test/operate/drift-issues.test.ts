import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/*
 * The drift workflow's issue step against a recording stand-in for GitHub's
 * REST client (GitHub itself cannot be reached from here): which issues it
 * opens, updates, comments on and closes.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reportDrift = require('../../scripts/drift-issues.js') as (io: object) => Promise<string[]>;

function fakeGithub(open: { number: number; title: string }[]) {
  const calls: [string, Record<string, unknown>][] = [];
  const record = (name: string) => async (args: Record<string, unknown>) => {
    calls.push([name, args]);
    return {};
  };
  const rest = { issues: { listForRepo: record('list'), create: record('create'), update: record('update'), createComment: record('comment') } };
  return { calls, github: { rest, paginate: async () => open } };
}

describe('drift issues', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'harmony-drift-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'mgmt.drift'), 'clean\nNo changes.\n');
  writeFileSync(path.join(dir, 'nats-site-1.drift'), 'drift\n  # kubernetes_cron_job_v1.x has been deleted\n');
  writeFileSync(path.join(dir, 'nats-site-2.drift'), 'error\nError: Unauthorized\n');
  writeFileSync(path.join(dir, 'nats-site-3.drift'), 'clean\n');
  const io = (github: object) => ({ github, context: { repo: { owner: 'o', repo: 'r' } }, core: { setOutput: () => undefined }, fs, path, dir, runUrl: 'https://example.org/run/1' });

  test('opens one issue per drifted or failed stack, updates an open one, closes one that is clean again', async () => {
    const gh = fakeGithub([
      { number: 7, title: 'Drift: nats-site-2' },
      { number: 9, title: 'Drift: nats-site-3' },
    ]);
    expect(await reportDrift(io(gh.github))).toEqual(['nats-site-1', 'nats-site-2']);
    const byName = (name: string) => gh.calls.filter(([n]) => n === name).map(([, a]) => a);
    expect(byName('create')).toEqual([expect.objectContaining({ title: 'Drift: nats-site-1', labels: ['drift'], body: expect.stringContaining('kubernetes_cron_job_v1.x has been deleted') })]);
    expect(byName('update')).toEqual([
      expect.objectContaining({ issue_number: 7, body: expect.stringContaining('The drift check of `nats-site-2` failed') }),
      { owner: 'o', repo: 'r', issue_number: 9, state: 'closed' },
    ]);
    expect(byName('comment')).toEqual([expect.objectContaining({ issue_number: 9, body: 'No drift in `nats-site-3` as of https://example.org/run/1: closing.' })]);
  });

  test('a clean run with nothing open does nothing', async () => {
    const cleanDir = mkdtempSync(path.join(tmpdir(), 'harmony-drift-clean-'));
    try {
      writeFileSync(path.join(cleanDir, 'mgmt.drift'), 'clean\n');
      const gh = fakeGithub([]);
      expect(await reportDrift({ ...io(gh.github), dir: cleanDir })).toEqual([]);
      expect(gh.calls).toEqual([]);
    } finally {
      rmSync(cleanDir, { recursive: true, force: true });
    }
  });
});
