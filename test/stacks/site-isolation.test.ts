import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { Fleet } from '../../config/types';
import { configureBackend } from '../../constructs/backend';
import { addFleetStacks, MGMT_STACK } from '../../stacks/fleet-app';
import { NatsSiteStack, siteStackName } from '../../stacks/nats-site-stack';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';

/**
 * DR rebuild of one site deploys only its stack: so a site stack must be the
 * same whatever else the app holds, and must read nothing from another
 * stack's state.
 */

const s3Fleet: Fleet = {
  ...exampleFleet,
  backend: { type: 's3', bucket: 'harmony-state', endpoint: 'https://fsn1.your-objectstorage.com', region: 'fsn1' },
};

const dirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-isolation-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every file of a synthesized stack directory, by name. */
function stackFiles(outdir: string, stack: string): Record<string, string> {
  const dir = join(outdir, 'stacks', stack);
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
        return [path.slice(dir.length + 1), readFileSync(path, 'utf8')];
      })
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

function synthFull(fleet: Fleet): string {
  const outdir = tmp();
  const app = new App({ outdir });
  addFleetStacks(app, fleet, exampleIdentities);
  app.synth();
  return outdir;
}

function synthAlone(fleet: Fleet, siteName: string): string {
  const outdir = tmp();
  const app = new App({ outdir });
  const site = fleet.sites.find((s) => s.name === siteName)!;
  const name = siteStackName(site);
  const stack = new NatsSiteStack(app, name, { fleet, site, identities: exampleIdentities });
  configureBackend(stack, name, fleet.backend);
  app.synth();
  return outdir;
}

describe.each([
  ['local backend', exampleFleet],
  ['S3 backend', s3Fleet],
])('site stacks are isolated (%s)', (_label, fleet) => {
  let full: string;
  beforeAll(() => {
    full = synthFull(fleet);
  });

  test.each(exampleFleet.sites.map((s) => s.name))('%s synthesizes byte-identically alone and with every other stack', (site) => {
    const name = `nats-${site}`;
    const together = stackFiles(full, name);
    const alone = stackFiles(synthAlone(fleet, site), name);
    expect(Object.keys(together)).toContain('cdk.tf.json');
    expect(Object.keys(alone)).toEqual(Object.keys(together));
    for (const file of Object.keys(together)) expect(Buffer.from(alone[file]).equals(Buffer.from(together[file]))).toBe(true);
  });

  test.each(exampleFleet.sites.map((s) => s.name))('%s references no other stack or its state', (site) => {
    const name = `nats-${site}`;
    const json = readFileSync(join(full, 'stacks', name, 'cdk.tf.json'), 'utf8');
    const tf = JSON.parse(json) as { data?: Record<string, unknown>; terraform: { backend: Record<string, { path?: string; key?: string }> } };
    expect(json).not.toContain('terraform_remote_state');
    expect(Object.keys(tf.data ?? {})).not.toContain('terraform_remote_state');
    const others = [MGMT_STACK, ...fleet.sites.map(siteStackName)].filter((s) => s !== name);
    for (const other of others) expect(json).not.toMatch(new RegExp(`(^|[^\\w-])${other}([^\\w-]|$)`));
    // Its own state, and only its own.
    const [backend] = Object.values(tf.terraform.backend);
    expect(backend.path ?? backend.key).toMatch(new RegExp(`/${name}\\.tfstate$`));
  });

  test('the manifest lists no dependency between stacks', () => {
    const manifest = JSON.parse(readFileSync(join(full, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
    for (const stack of Object.values(manifest.stacks)) expect(stack.dependencies).toEqual([]);
  });
});
