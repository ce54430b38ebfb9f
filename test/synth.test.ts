import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { App } from 'cdktf';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { applyGuardrails } from '../guardrails/guardrails';
import { FleetValidationError, GuardrailViolation, synthApp, synthFleet } from '../lib/synth';
import { exampleFleet, exampleIdentities } from './fixtures/fleet';

const REPO = join(__dirname, '..');

/** Every file below `dir` with its content, keyed by relative path. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe('synthFleet', () => {
  const dirs: string[] = [];
  const outdir = () => {
    const d = mkdtempSync(join(tmpdir(), 'harmony-synth-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('writes one stack for mgmt and one per site', () => {
    const out = outdir();
    synthFleet(exampleFleet, exampleIdentities, out);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['mgmt', 'nats-site-1', 'nats-site-2', 'nats-site-3']);
    expect(Object.keys(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).stacks).sort()).toEqual(['mgmt', 'nats-site-1', 'nats-site-2', 'nats-site-3']);
  });

  test('is deterministic: two synths are byte-identical', () => {
    const a = outdir();
    const b = outdir();
    synthFleet(exampleFleet, exampleIdentities, a);
    synthFleet(exampleFleet, exampleIdentities, b);
    expect(tree(b)).toEqual(tree(a));
  });

  test('writes no absolute path of this machine and no secret', () => {
    const out = outdir();
    synthFleet(exampleFleet, exampleIdentities, out);
    for (const [file, text] of tree(out)) {
      for (const path of [out, REPO, homedir()]) expect({ file, hasPath: text.includes(path) }).toEqual({ file, hasPath: false });
      expect(text).not.toMatch(/PRIVATE KEY|S[OAUXNC][A-Z2-7]{56}|AGE-SECRET-KEY/);
    }
  });

  test('each stack keeps its own state, relative to the repo', () => {
    const out = outdir();
    synthFleet(exampleFleet, exampleIdentities, out);
    const backend = JSON.parse(readFileSync(join(out, 'stacks', 'nats-site-2', 'cdk.tf.json'), 'utf8')).terraform.backend;
    expect(backend).toEqual({ local: { path: '../../../state/nats-site-2.tfstate' } });
  });

  test('an S3 backend locks with a lock file beside each state', () => {
    const out = outdir();
    synthFleet({ ...exampleFleet, backend: { type: 's3', bucket: 'tf', endpoint: 'https://fsn1.your-objectstorage.com', region: 'fsn1' } }, exampleIdentities, out);
    const backend = JSON.parse(readFileSync(join(out, 'stacks', 'mgmt', 'cdk.tf.json'), 'utf8')).terraform.backend.s3;
    expect(backend).toMatchObject({ bucket: 'tf', key: 'harmony-infra/mgmt.tfstate', use_lockfile: true, endpoints: { s3: 'https://fsn1.your-objectstorage.com' } });
  });

  test('a bad fleet synthesizes nothing and removes stale stacks, reporting every problem', () => {
    const out = outdir();
    synthFleet(exampleFleet, exampleIdentities, out);
    const bad = { ...exampleFleet, sites: exampleFleet.sites.slice(0, 2).map((s) => ({ ...s, nodes: 1 })) };
    let error: unknown;
    try {
      synthFleet(bad, exampleIdentities, out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetValidationError);
    expect((error as FleetValidationError).problems.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(out, 'stacks'))).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });
});

describe('main.ts run as cdktf.json says (what `cdktf synth` runs)', () => {
  test('cdktf.json runs main.ts through sucrase, as these tests do', () => {
    expect(JSON.parse(readFileSync(join(REPO, 'cdktf.json'), 'utf8')).app).toBe('node -r sucrase/register main.ts');
  });

  test('synthesizes the shipped fleet with no credentials and exits 0', () => {
    const out = mkdtempSync(join(tmpdir(), 'harmony-main-'));
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: out };
      const run = spawnSync(process.execPath, ['-r', 'sucrase/register', join(REPO, 'main.ts')], { cwd: REPO, env, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['mgmt', 'nats-site-1', 'nats-site-2', 'nats-site-3']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);

  test('exits 1 with every problem on stderr when the fleet is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harmony-bad-'));
    try {
      // A copy of the identities file with one identity missing makes the shipped fleet invalid.
      mkdirSync(join(dir, 'out'));
      const keys = JSON.parse(readFileSync(join(REPO, 'config', 'identities.json'), 'utf8'));
      delete keys.monitor;
      writeFileSync(join(dir, 'identities.json'), JSON.stringify(keys));
      writeFileSync(join(dir, 'secret-revisions.json'), readFileSync(join(REPO, 'config', 'secret-revisions.json')));
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: join(dir, 'out'), HARMONY_IDENTITIES_FILE: join(dir, 'identities.json') };
      const run = spawnSync(process.execPath, ['-r', 'sucrase/register', join(REPO, 'main.ts')], { cwd: REPO, env, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/The fleet has 1 problem:\n {2}- config\/identities\.json has no public key for identity "monitor"/);
      expect(existsSync(join(dir, 'out', 'stacks'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  test('exits 1 with one line naming the fix when the Secret revisions are missing, before writing anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harmony-norev-'));
    try {
      mkdirSync(join(dir, 'out'));
      writeFileSync(join(dir, 'identities.json'), readFileSync(join(REPO, 'config', 'identities.json')));
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: join(dir, 'out'), HARMONY_IDENTITIES_FILE: join(dir, 'identities.json') };
      const run = spawnSync(process.execPath, ['-r', 'sucrase/register', join(REPO, 'main.ts')], { cwd: REPO, env, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^synth: .*secret-revisions\.json does not exist: run `npm run keys -- sync` \(or `init` for a new fleet\)\n$/);
      expect(readdirSync(join(dir, 'out'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('a guardrail violation', () => {
  test('is one clear error listing each violation, and leaves no stack behind', () => {
    const out = mkdtempSync(join(tmpdir(), 'harmony-guardrail-'));
    try {
      mkdirSync(join(out, 'stacks', 'nats-site-1'), { recursive: true });
      // A stack that would store a secret: an output of a sensitive variable.
      const leaking = (app: App) => {
        const stack = new TerraformStack(app, 'leaky');
        applyGuardrails(stack);
        const secret = new TerraformVariable(stack, 'seed', { type: 'string', sensitive: true });
        new TerraformOutput(stack, 'oops', { value: secret.stringValue, sensitive: true });
      };
      let error: unknown;
      try {
        synthApp(out, leaking);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GuardrailViolation);
      expect((error as GuardrailViolation).problems).toEqual([expect.stringMatching(/^\[leaky\/oops\] \[secrets-write-only\] output\.oops\.value uses var\.seed, a secret/)]);
      expect(existsSync(join(out, 'stacks'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
