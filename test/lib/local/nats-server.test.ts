import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNatsServer } from '../../../lib/local/nats-server';

describe('checkNatsServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-nats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = (version: string) => {
    const bin = join(dir, `nats-server-${version}`);
    writeFileSync(bin, `#!/bin/sh\necho "nats-server: v${version}"\n`);
    chmodSync(bin, 0o755);
    return bin;
  };

  test('accepts 2.9.10 and newer', () => {
    expect(checkNatsServer(fake('2.9.10'))).toBe('2.9.10');
    expect(checkNatsServer(fake('2.12.1'))).toBe('2.12.1');
  });

  test('refuses a server older than 2.9.0, saying how to install one', () => {
    expect(() => checkNatsServer(fake('2.8.4'))).toThrow(/nats-server 2\.8\.4 is too old: the local supercluster needs 2\.9\.0 or newer; install it with `apt-get install nats-server`/);
  });

  test('a missing binary is a clear error', () => {
    expect(() => checkNatsServer(join(dir, 'absent'))).toThrow(/nats-server not found .*apt-get install nats-server/);
  });
});
