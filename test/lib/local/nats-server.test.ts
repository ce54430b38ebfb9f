import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedNatsServers, checkNatsServer } from '../../../lib/local/nats-server';

describe('checkNatsServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-nats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A version-printing script stands in only for `--version`: nothing here starts a server.
  const fake = (version: string) => {
    const bin = join(dir, `nats-server-${version}`);
    writeFileSync(bin, `#!/bin/sh\necho "nats-server: v${version}"\n`);
    chmodSync(bin, 0o755);
    return bin;
  };

  test('accepts the supported minimum 2.10.0 and newer', () => {
    expect(checkNatsServer(fake('2.10.0'))).toBe('2.10.0');
    expect(checkNatsServer(fake('2.10.27'))).toBe('2.10.27');
    expect(checkNatsServer(fake('2.15.1'))).toBe('2.15.1');
  });

  test("refuses Debian bookworm's 2.9.10, saying how to get a supported one", () => {
    expect(() => checkNatsServer(fake('2.9.10'))).toThrow(/nats-server 2\.9\.10 is too old: the fleet supports 2\.10\.0 or newer; run `sudo scripts\/fetch-nats-servers\.sh`/);
  });

  test('a missing binary is a clear error', () => {
    expect(() => checkNatsServer(join(dir, 'absent'))).toThrow(/nats-server not found \(tried ".*absent"\): run `sudo scripts\/fetch-nats-servers\.sh`/);
  });
});

describe('cachedNatsServers', () => {
  const cache = mkdtempSync(join(tmpdir(), 'nats-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  const unpack = (version: string) => {
    mkdirSync(join(cache, version, 'usr', 'sbin'), { recursive: true });
    writeFileSync(join(cache, version, 'usr', 'sbin', 'nats-server'), '');
  };

  test('lists unpacked versions newest first by version, not by name, and skips anything else', () => {
    unpack('2.9.10');
    unpack('2.15.1');
    unpack('2.10.27');
    mkdirSync(join(cache, '2.11.0.tmp', 'usr', 'sbin'), { recursive: true });
    mkdirSync(join(cache, '2.12.0'), { recursive: true });
    expect(cachedNatsServers(cache).map((s) => s.version)).toEqual(['2.15.1', '2.10.27', '2.9.10']);
    expect(cachedNatsServers(cache)[0].bin).toBe(join(cache, '2.15.1', 'usr', 'sbin', 'nats-server'));
  });

  test('an absent cache is empty', () => {
    expect(cachedNatsServers(join(cache, 'absent'))).toEqual([]);
  });
});
