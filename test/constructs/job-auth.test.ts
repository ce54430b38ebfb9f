import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from 'nkeys.js';
import { natsAuth } from '../../constructs/job-auth';

// A user JWT and a seed as a Job sees them: the ConfigMap's and the Secret's
// files, possibly with surrounding whitespace.
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJURVNUIiwic3ViIjoiVUFCQyJ9.c2lnbmF0dXJlLWJ5dGVz';
/** nats-io/jwt FormatUserConfig's two blocks (the server and natscli parse nothing else). */
const credsOf = (seed: string): string =>
  `-----BEGIN NATS USER JWT-----\n${JWT}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;

describe('natsAuth', () => {
  test('default properties: nkeys mode passes the seed file, nothing to set up', () => {
    expect(natsAuth('provisioner', { seedFile: '/etc/nats-seed/seed' })).toStrictEqual({ setup: [], flag: '--nkey /etc/nats-seed/seed' });
  });

  test('JWT mode: a creds file written into the private temp dir, passed with --creds', () => {
    expect(natsAuth('kv-snapshot', { seedFile: '/etc/nats-seed/seed', jwtFile: '/etc/nats-jwt/user.jwt' })).toStrictEqual({
      setup: [
        'umask 077',
        String.raw`{ printf -- '-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n' "$(tr -d '[:space:]' < /etc/nats-jwt/user.jwt)"; ` +
          String.raw`printf -- '-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n' "$(tr -d '[:space:]' < /etc/nats-seed/seed)"; } > ` +
          '"${TMPDIR:-/tmp}/kv-snapshot.creds"',
      ],
      flag: '--creds "${TMPDIR:-/tmp}/kv-snapshot.creds"',
    });
  });

  describe('the setup, run by sh', () => {
    let dir: string;
    let jwtFile: string;
    let seedFile: string;
    /** Made at run time: no seed is ever committed. */
    let seed: string;
    beforeEach(() => {
      seed = new TextDecoder().decode(createUser().getSeed());
      dir = mkdtempSync(join(tmpdir(), 'job-auth-'));
      jwtFile = join(dir, 'user.jwt');
      seedFile = join(dir, 'seed');
      writeFileSync(jwtFile, `\n  ${JWT} \n\n`);
      writeFileSync(seedFile, `\t${seed}\n`);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const run = (identity: string, env: NodeJS.ProcessEnv) => {
      const { setup } = natsAuth(identity, { seedFile, jwtFile });
      execFileSync('sh', ['-euc', setup.join('\n')], { env, stdio: 'pipe' });
    };

    test('writes exactly the creds blocks, whitespace around the JWT and the seed dropped, readable by its owner only', () => {
      const tmp = join(dir, 'tmp');
      execFileSync('mkdir', [tmp]);
      run('provisioner', { PATH: process.env.PATH, TMPDIR: tmp });
      const creds = join(tmp, 'provisioner.creds');
      expect(readFileSync(creds, 'utf8')).toBe(credsOf(seed));
      expect(statSync(creds).mode & 0o777).toBe(0o600);
    });

    test('the flag names the file the setup wrote, under /tmp when TMPDIR is unset', () => {
      const identity = `job-auth-test-${process.pid}`;
      const creds = join('/tmp', `${identity}.creds`);
      try {
        run(identity, { PATH: process.env.PATH });
        expect(readFileSync(creds, 'utf8')).toBe(credsOf(seed));
        const { flag } = natsAuth(identity, { seedFile, jwtFile });
        expect(execFileSync('sh', ['-c', `printf %s ${flag.replace(/^--creds /, '')}`], { env: { PATH: process.env.PATH } }).toString()).toBe(creds);
      } finally {
        rmSync(creds, { force: true });
      }
      expect(existsSync(creds)).toBe(false);
    });
  });
});
