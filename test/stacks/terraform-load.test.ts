import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTerraform, initDiagnostics, loadStackOffline, offlineCliConfig } from '../../lib/operate/terraform-load';
import { synthFleet } from '../../lib/synth';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';

// The real Terraform, not a replica: a missing binary fails here, it is not skipped.
describe('every synthesized stack loads in the real terraform', () => {
  const work = mkdtempSync(join(tmpdir(), 'harmony-tf-load-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const out = join(work, 'out');

  test('terraform is installed and new enough (1.11+: write-only arguments, ephemeral variables)', () => {
    expect(checkTerraform()).toMatch(/^1\.(1[1-9]|[2-9]\d)\.\d+/);
  });

  synthFleet(exampleFleet, exampleIdentities, out);
  const stacks = readdirSync(join(out, 'stacks')).sort();

  test('the fleet has mgmt and one stack per site', () => {
    expect(stacks).toEqual(['mgmt', 'nats-site-1', 'nats-site-2', 'nats-site-3']);
  });

  test.each(stacks)('%s: terraform init reports no configuration error, only the offline downloads', (stack) => {
    const load = loadStackOffline(join(out, 'stacks', stack), join(work, 'tf'));
    expect(load.configErrors).toEqual([]);
    // Terraform got as far as downloading: the whole configuration was read.
    if (stack === 'mgmt') {
      expect(load.errors.map((e) => e.summary)).toEqual(['Failed to download module']);
      expect(load.errors[0].detail).toContain('nixos-anywhere');
    } else {
      const providers = load.errors.map((e) => /provider (?:registry\.terraform\.io\/)?(\S+?) was not found|provider (\S+):/.exec(e.detail)?.slice(1).find(Boolean));
      expect(load.errors.every((e) => e.summary === 'Failed to query available provider packages')).toBe(true);
      expect(providers.sort()).toEqual(['hashicorp/helm', 'hashicorp/kubernetes']);
    }
  });
});

describe('the offline load fails on what terraform refuses', () => {
  const work = mkdtempSync(join(tmpdir(), 'harmony-tf-bad-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const stackWith = (name: string, config: object): string => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(config));
    return dir;
  };

  test('an interpolated depends_on (what resource.fqn renders) is a configuration error', () => {
    const dir = stackWith('interpolated-depends-on', {
      resource: {
        terraform_data: {
          a: {},
          b: { depends_on: ['${terraform_data.a}'] },
        },
      },
    });
    const load = loadStackOffline(dir, join(work, 'tf'));
    expect(load.configErrors.map((e) => e.summary)).toContain('Invalid expression');
    expect(load.configErrors.find((e) => e.summary === 'Invalid expression')?.detail).toContain('A single static variable reference is required');
  });

  test('the static address of the same dependency loads', () => {
    const dir = stackWith('static-depends-on', { resource: { terraform_data: { a: {}, b: { depends_on: ['terraform_data.a'] } } } });
    expect(loadStackOffline(dir, join(work, 'tf')).errors).toEqual([]);
  });

  test('a missing terraform binary is a clear error naming the fix', () => {
    const dir = stackWith('any', { resource: {} });
    expect(() => loadStackOffline(dir, join(work, 'tf'), join(work, 'no-such-terraform'))).toThrow(/terraform did not run .*ENOENT.*install Terraform 1\.11/);
    expect(() => checkTerraform(join(work, 'no-such-terraform'))).toThrow(/terraform not found .*install Terraform 1\.11 or newer/);
  });
});

describe('offline CLI config and diagnostics', () => {
  test('providers only from the mirror, direct installation excluded for every provider', () => {
    expect(offlineCliConfig('/m')).toBe('provider_installation {\n  filesystem_mirror {\n    path = "/m"\n  }\n  direct {\n    exclude = ["*/*/*"]\n  }\n}\n');
  });

  test('reads the diagnostics of init -json output and ignores other lines', () => {
    const lines = [
      '{"@level":"info","type":"version"}',
      'not json',
      '{"@level":"error","diagnostic":{"severity":"error","summary":"Invalid expression","detail":"d"}}',
      '{"@level":"warn","diagnostic":{"severity":"warning","summary":"w","detail":""}}',
    ].join('\n');
    expect(initDiagnostics(lines)).toEqual([
      { severity: 'error', summary: 'Invalid expression', detail: 'd' },
      { severity: 'warning', summary: 'w', detail: '' },
    ]);
  });
});
