import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..');
const PRIVATE = /S[OAUXNC][A-Z2-7]{56}|AGE-SECRET-KEY-1[0-9A-Z]{58}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

describe('the repository', () => {
  test('tracks no nkey seed, age secret key or private key (snapshots included)', () => {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const leaking = files.filter((f) => {
      try {
        return PRIVATE.test(readFileSync(join(REPO, f), 'utf8'));
      } catch {
        return false;
      }
    });
    // Tests may name the pattern; they must never hold a value matching it.
    expect(leaking).toEqual([]);
  });
});
