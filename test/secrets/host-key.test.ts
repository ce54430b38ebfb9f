import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import { HOST_KEY_FILES, mintHostKey } from '../../lib/secrets/keys-commands';
import { mintMaterial } from '../../lib/secrets/material';
import { encryptStore } from '../../lib/secrets/store';
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

describe('a deployer (CI) key: the store opens with it, the host key never does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-deployer-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keygen = (name: string) => {
    const file = join(dir, name);
    execFileSync('age-keygen', ['-o', file], { stdio: 'pipe' });
    return { file, recipient: /^# public key: (age1[0-9a-z]+)$/m.exec(readFileSync(file, 'utf8'))![1] };
  };
  const operator = keygen('operator.txt');
  const ci = keygen('ci.txt');
  writeFileSync(join(dir, 'recipients.txt'), `# operator\n${operator.recipient}\n`);
  writeFileSync(join(dir, 'deploy-recipients.txt'), `# CI deploy (approved environment)\n${ci.recipient}\n`);
  copyFileSync(HOST_KEY_FILES.recipientsNix, join(dir, 'secrets.nix'));
  const files = { age: join(dir, 'host.age'), pub: join(dir, 'host.pub'), recipientsNix: join(dir, 'secrets.nix') };
  const ctx = { fleet: exampleFleet, storeFile: '', recipientsFile: join(dir, 'recipients.txt'), identitiesFile: '', out: () => undefined, warn: () => undefined };
  const decryptWith = (identity: string, file: string) => spawnSync('age', ['--decrypt', '-i', identity, file], { encoding: 'utf8' });

  test("the host key is encrypted to the operators only: CI's identity cannot decrypt it", () => {
    mintHostKey(ctx, files);
    expect(decryptWith(operator.file, files.age).stdout).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    const asCi = decryptWith(ci.file, files.age);
    expect(asCi.status).not.toBe(0);
    expect(asCi.stderr).toMatch(/no identity matched/);
    expect(asCi.stdout).toBe('');
  });

  test("the secrets store is encrypted to operators and deployers both", () => {
    const material = mintMaterial({ ...exampleFleet, sites: exampleFleet.sites.slice(0, 1) }, () => LOCAL_SANS);
    writeFileSync(join(dir, 'nats.age'), encryptStore(material, join(dir, 'recipients.txt')));
    for (const who of [operator, ci]) expect(JSON.parse(decryptWith(who.file, join(dir, 'nats.age')).stdout).gatewayPassword).toBe(material.gatewayPassword);
  });

  test('refuses to mint when a deployer key is also listed as an operator', () => {
    writeFileSync(join(dir, 'recipients.txt'), `${operator.recipient}\n${ci.recipient}\n`);
    rmSync(files.age, { force: true });
    expect(() => mintHostKey(ctx, files)).toThrow(/lists 1 key\(s\) that are also in .*deploy-recipients\.txt: the host key goes to operators only/);
  });
});
