import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The host's scripts become writeShellApplication packages, whose build runs
 * shellcheck and fails on any finding; the repo's own scripts run in CI.
 * Debian's shellcheck runs them here, so a finding fails npm test, not a
 * deploy.
 */

const REPO = join(__dirname, '..', '..');
const scripts = [
  ...readdirSync(join(REPO, 'nix', 'scripts')).map((f) => join('nix', 'scripts', f)),
  ...readdirSync(join(REPO, 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => join('scripts', f)),
  '.ci/run',
];

const shellcheck = (file: string) => spawnSync('shellcheck', ['--shell=bash', file], { cwd: REPO, encoding: 'utf8' });

describe('shellcheck', () => {
  test('finds the scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['nix/scripts/mgmt-backup-prepare.sh', 'nix/scripts/mgmt-restore.sh', 'nix/scripts/mgmt-backup-finish.sh', 'nix/scripts/kv-snapshot-check.sh', 'scripts/ci-plan.sh']));
  });

  test.each(scripts)('%s passes', (file) => {
    const r = shellcheck(file);
    if (r.error) throw new Error(`shellcheck not found (apt-get install shellcheck): ${r.error.message}`);
    expect({ file, status: r.status, findings: r.stdout }).toEqual({ file, status: 0, findings: '' });
  });

  test('and would fail on a finding (an unquoted expansion)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harmony-shellcheck-'));
    try {
      writeFileSync(join(dir, 'bad.sh'), '#!/usr/bin/env bash\nrm -rf $1/data\n');
      const r = shellcheck(join(dir, 'bad.sh'));
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
