import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_KEY_FILES, mintHostKey } from '../../lib/secrets/keys-commands';
import { exampleFleet } from '../fixtures/fleet';

describe('keys host-key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-host-key-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const identity = join(dir, 'id.txt');
  execFileSync('age-keygen', ['-o', identity], { stdio: 'pipe' });
  const recipient = /^# public key: (age1[0-9a-z]+)$/m.exec(readFileSync(identity, 'utf8'))![1];
  writeFileSync(join(dir, 'recipients.txt'), `${recipient}\n`);
  copyFileSync(HOST_KEY_FILES.recipientsNix, join(dir, 'secrets.nix'));
  const files = { age: join(dir, 'host.age'), pub: join(dir, 'host.pub'), recipientsNix: join(dir, 'secrets.nix') };
  const out: string[] = [];
  const ctx = { fleet: exampleFleet, storeFile: '', recipientsFile: join(dir, 'recipients.txt'), identitiesFile: '', out: (l: string) => out.push(l), warn: () => undefined };

  test('mints an encrypted host key whose public half becomes the agenix mgmt recipient', () => {
    mintHostKey(ctx, files);
    const publicKey = readFileSync(files.pub, 'utf8').trim();
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA\S+ mgmt-host$/);
    const encrypted = readFileSync(files.age, 'utf8');
    expect(encrypted).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----/);
    expect(encrypted).not.toMatch(/PRIVATE KEY/);
    const privateKey = execFileSync('age', ['--decrypt', '-i', identity, files.age], { encoding: 'utf8' });
    expect(privateKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    expect(readFileSync(files.recipientsNix, 'utf8')).toContain(`mgmt = "${publicKey.split(' ').slice(0, 2).join(' ')}";`);
  });

  test('refuses to replace an existing host key', () => {
    expect(() => mintHostKey(ctx, files)).toThrow(/already exists: a new host key would orphan every agenix secret/);
  });
});
