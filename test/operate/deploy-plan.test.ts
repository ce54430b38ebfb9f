import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { Fleet } from '../../config/types';
import { LOCAL_SANS } from '../../lib/nats/certificates';
import type { Observed, OperateArgs } from '../../lib/operate/deploy-plan';
import {
  afterSiteDeploy,
  childCommand,
  synthesizesFirst,
  SYNTH_COMMAND,
  childEnv,
  DeployRefusal,
  dirtyPaths,
  GIT_STATUS_ARGS,
  knownStacks,
  kubeconfigSecretName,
  parseOperateArgs,
  planKubeconfigs,
  preflight,
  REFUSED_EXIT,
  requirementsOf,
  resolveFleetPath,
  resolveStack,
  stackVars,
  kvSnapshotCredentialsProblem,
} from '../../lib/operate/deploy-plan';
import type { SecretMaterial } from '../../lib/secrets/material';
import { mintMaterial } from '../../lib/secrets/material';
import { addFleetStacks } from '../../stacks/fleet-app';
import { SITE_VARIABLES } from '../../stacks/site-variables';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';

const fleet: Fleet = exampleFleet;
const HOME = '/home/op';
const REPO = '/repo';

/** Values that must never appear in a message. */
const ENV_SECRETS = { HCLOUD_TOKEN: 'hcloud-token-DO-NOT-PRINT', AWS_SECRET_ACCESS_KEY: 'aws-secret-DO-NOT-PRINT', TF_VAR_stray: 'stray-DO-NOT-PRINT' };

/** Everything is in order: each test breaks one thing. */
function observed(change: Partial<Observed> = {}): Observed {
  return {
    gitStatus: '',
    env: { AGE_IDENTITY_FILE: '~/.config/age/harmony.txt', ...ENV_SECRETS, PATH: '/usr/bin' },
    readable: () => true,
    hasCommand: () => true,
    cwd: '/work',
    synthesized: () => true,
    home: HOME,
    repoRoot: REPO,
    ...change,
  };
}

const args = (command: OperateArgs['command'], stack: string, extra: Partial<OperateArgs> = {}): OperateArgs => ({ command, stack, allowDirty: false, placeholders: false, passThrough: [], ...extra });

function refusal(fn: () => unknown): DeployRefusal {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeployRefusal) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

let material: SecretMaterial;
/** Every private value of the material: none may appear in an error. */
let materialSecrets: string[];
beforeAll(() => {
  material = mintMaterial(fleet, () => LOCAL_SANS);
  materialSecrets = [
    material.gatewayPassword,
    material.ca.keyPem,
    ...Object.values(material.sites).flatMap((s) => [s.routePassword, s.cert.keyPem]),
    ...Object.values(material.identities).flatMap((keys) => keys.map((k) => k.seed)),
  ];
});

const expectSecretFree = (message: string) => {
  for (const secret of [...Object.values(ENV_SECRETS), ...materialSecrets]) expect(message).not.toContain(secret);
  expect(message).not.toMatch(/S[OAUXNC][A-Z2-7]{56}/);
  expect(message).not.toMatch(/PRIVATE KEY/);
};

describe('stacks', () => {
  test('knownStacks are the stacks the app builds, in the same order', () => {
    const app = new App({ outdir: join(__dirname, '.never-written') });
    addFleetStacks(app, fleet, exampleIdentities);
    const built = app.node.children.map((c) => c.node.id);
    expect(knownStacks(fleet)).toEqual(built);
  });

  test('resolveStack: mgmt, a site, unknown', () => {
    expect(resolveStack(fleet, 'mgmt')).toEqual({ kind: 'mgmt', stack: 'mgmt' });
    expect(resolveStack(fleet, 'nats-site-2')).toMatchObject({ kind: 'site', stack: 'nats-site-2', site: { name: 'site-2' } });
    expect(resolveStack(fleet, 'site-2')).toBeUndefined();
  });
});

describe('arguments', () => {
  test('deploy <stack>, --allow-dirty, pass-through after --', () => {
    expect(parseOperateArgs(fleet, ['deploy', 'nats-site-1'])).toEqual(args('deploy', 'nats-site-1'));
    expect(parseOperateArgs(fleet, ['plan', '--allow-dirty', 'mgmt', '--', '--skip-synth'])).toEqual(args('plan', 'mgmt', { allowDirty: true, passThrough: ['--skip-synth'] }));
    expect(parseOperateArgs(fleet, ['terraform', 'mgmt', '--', 'plan', '-out=x'])).toEqual(args('terraform', 'mgmt', { passThrough: ['plan', '-out=x'] }));
  });

  test('an unknown stack is refused with the list of the fleet\'s stacks', () => {
    const e = refusal(() => parseOperateArgs(fleet, ['deploy', 'nats-site-9']));
    expect(e.message).toContain('unknown stack "nats-site-9"');
    expect(e.message).toContain('mgmt, nats-site-1, nats-site-2, nats-site-3');
  });

  test('no stack, two stacks, an unknown option, an unknown command', () => {
    expect(refusal(() => parseOperateArgs(fleet, ['deploy'])).message).toMatch(/name the stack: one of mgmt, nats-site-1/);
    expect(refusal(() => parseOperateArgs(fleet, ['deploy', 'mgmt', 'nats-site-1'])).message).toMatch(/one stack at a time/);
    expect(refusal(() => parseOperateArgs(fleet, ['deploy', 'mgmt', '--auto-approve'])).message).toMatch(/unknown option "--auto-approve".*after a separate `--`/s);
    expect(refusal(() => parseOperateArgs(fleet, ['destroy', 'mgmt'])).message).toMatch(/unknown command "destroy"/);
    expect(refusal(() => parseOperateArgs(fleet, ['terraform', 'mgmt'])).message).toMatch(/needs the Terraform arguments after `--`/);
  });
});

describe('--plan: apply the saved plan', () => {
  test('takes the directory, either way of writing it, for deploy only', () => {
    expect(parseOperateArgs(fleet, ['deploy', 'nats-site-1', '--plan', '/tmp/plans'])).toMatchObject({ command: 'deploy', stack: 'nats-site-1', plan: '/tmp/plans' });
    expect(parseOperateArgs(fleet, ['deploy', '--plan=/tmp/plans', 'mgmt'])).toMatchObject({ stack: 'mgmt', plan: '/tmp/plans' });
    expect(refusal(() => parseOperateArgs(fleet, ['plan', 'mgmt', '--plan', '/tmp/p'])).message).toMatch(/--plan is for deploy/);
    expect(refusal(() => parseOperateArgs(fleet, ['deploy', 'mgmt', '--plan'])).message).toMatch(/--plan needs the directory CI saved the plans in/);
  });
});

describe('--placeholders: the CI plan preview, with no secret at all', () => {
  test('parses for terraform read-only commands and check', () => {
    expect(parseOperateArgs(fleet, ['terraform', 'nats-site-1', '--placeholders', '--', 'plan', '-refresh=false', '-lock=false'])).toMatchObject({ placeholders: true });
    expect(parseOperateArgs(fleet, ['terraform', 'nats-site-1', '--placeholders', '--', 'init', '-input=false'])).toMatchObject({ placeholders: true });
    expect(parseOperateArgs(fleet, ['terraform', 'nats-site-1', '--placeholders', '--', 'state', 'pull'])).toMatchObject({ placeholders: true });
    // Drift detection: a refresh-only plan, which changes nothing.
    expect(parseOperateArgs(fleet, ['terraform', 'nats-site-1', '--placeholders', '--', 'plan', '-refresh-only', '-detailed-exitcode'])).toMatchObject({ placeholders: true });
    expect(parseOperateArgs(fleet, ['check', 'mgmt', '--placeholders', '--allow-dirty'])).toMatchObject({ placeholders: true, allowDirty: true });
  });

  test.each([
    [['deploy', 'nats-site-1', '--placeholders'], /--placeholders is for CI's plan preview .*never for deploy/],
    [['plan', 'nats-site-1', '--placeholders'], /never for plan/],
    [['terraform', 'nats-site-1', '--placeholders', '--', 'apply', 'x.tfplan'], /only read-only Terraform commands .* not "apply": placeholder secrets must never reach a cluster/],
    [['terraform', 'nats-site-1', '--placeholders', '--', 'import', 'a', 'b'], /not "import"/],
    [['terraform', 'nats-site-1', '--placeholders', '--', 'state', 'rm', 'a'], /allows `state pull` only .* not "state rm"/],
    [['terraform', 'nats-site-1', '--placeholders', '--', 'state', 'push', 'x'], /not "state push"/],
    [['terraform', 'nats-site-1', '--placeholders', '--', '-chdir=x', 'apply'], /not "apply"/],
    [['terraform', 'nats-site-1', '--placeholders', '--', 'plan'], /need -refresh=false \(the PR preview: its credentials cannot read Kubernetes Secrets, by design\) or -refresh-only/],
  ])('refuses %j', (argv, error) => {
    expect(refusal(() => parseOperateArgs(fleet, argv)).message).toMatch(error);
  });

  test('needs no age identity, for a site stack or mgmt', () => {
    const env = { HCLOUD_TOKEN: 'x' };
    const plan = args('terraform', 'nats-site-1', { placeholders: true, passThrough: ['plan', '-refresh=false'] });
    expect(() => preflight(fleet, plan, observed({ env }))).not.toThrow();
    expect(() => preflight(fleet, args('check', 'mgmt', { placeholders: true }), observed({ env }))).not.toThrow();
    expect(refusal(() => preflight(fleet, args('check', 'nats-site-1'), observed({ env }))).message).toContain('AGE_IDENTITY_FILE is not set');
  });

  test('fills every secret variable with the placeholder and nothing from the store', () => {
    const vars = stackVars(resolveStack(fleet, 'nats-site-2')!, 'placeholders');
    expect(vars).toEqual(Object.fromEntries(Object.values(SITE_VARIABLES).map((n) => [`TF_VAR_${n}`, 'placeholder-not-a-secret'])));
    expect(JSON.stringify(vars)).not.toMatch(/S[UAO][A-Z2-7]{56}|PRIVATE KEY|pw[0-9a-f]{48}/);
    expect(childEnv({ PATH: '/bin', AGE_IDENTITY_FILE: '/stale' }, vars, '')).not.toHaveProperty('AGE_IDENTITY_FILE');
  });
});

describe('kvSnapshotCredentialsProblem', () => {
  const material = mintMaterial({ ...fleet, sites: fleet.sites.slice(0, 1) }, () => LOCAL_SANS);
  const withEnv: SecretMaterial = { ...material, kvSnapshots: { ...material.kvSnapshots!, env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'DO-NOT-PRINT' } } };
  const onRepository = (repository: string): Fleet => ({ ...fleet, account: { ...fleet.account, kv: { ...fleet.account.kv, snapshots: { repository } } } });

  test('the home site with an s3: repository and no stored credentials is refused, with the command that fixes it', () => {
    expect(kvSnapshotCredentialsProblem(fleet, resolveStack(fleet, 'nats-site-1')!, material)).toBe(
      'nats-site-1 runs the KV snapshot CronJob, whose s3: repository (account.kv.snapshots.repository) needs credentials, and the store has none: ' +
        'export them and run `npm run keys -- kv-snapshot-env AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY`, commit, then deploy',
    );
    expect(kvSnapshotCredentialsProblem(onRepository('b2:bucket:path'), resolveStack(fleet, 'nats-site-1')!, material)).toContain('kv-snapshot-env B2_ACCOUNT_ID,B2_ACCOUNT_KEY');
  });

  test('stored credentials, another site, the mgmt stack, or a rest: server pass', () => {
    expect(kvSnapshotCredentialsProblem(fleet, resolveStack(fleet, 'nats-site-1')!, withEnv)).toBeUndefined();
    expect(kvSnapshotCredentialsProblem(fleet, resolveStack(fleet, 'nats-site-2')!, material)).toBeUndefined();
    expect(kvSnapshotCredentialsProblem(fleet, resolveStack(fleet, 'mgmt')!, material)).toBeUndefined();
    expect(kvSnapshotCredentialsProblem(onRepository('rest:https://backup.example.org/harmony'), resolveStack(fleet, 'nats-site-1')!, material)).toBeUndefined();
  });
});

describe('preflight', () => {
  test('a clean tree with identity and token passes; the identity becomes absolute', () => {
    expect(preflight(fleet, args('deploy', 'nats-site-1'), observed()).identityFile).toBe(`${HOME}/.config/age/harmony.txt`);
    expect(preflight(fleet, args('deploy', 'mgmt'), observed({ env: { AGE_IDENTITY_FILE: 'keys/id.txt', HCLOUD_TOKEN: 'x' } })).identityFile).toBe('/work/keys/id.txt');
  });

  test('uncommitted changes under config/, nix/ or secrets/ refuse, naming the files; --allow-dirty overrides', () => {
    const gitStatus = ' M config/fleet.ts\n?? nix/modules/new.nix\nR  secrets/old.age -> secrets/nats.age\n';
    const e = refusal(() => preflight(fleet, args('deploy', 'nats-site-1'), observed({ gitStatus })));
    expect(e.problems).toHaveLength(1);
    expect(e.message).toContain('uncommitted changes under config/, nix/, secrets/');
    expect(e.message).toContain('config/fleet.ts, nix/modules/new.nix, secrets/nats.age');
    expect(e.message).toContain('--allow-dirty');
    expect(() => preflight(fleet, args('deploy', 'nats-site-1', { allowDirty: true }), observed({ gitStatus }))).not.toThrow();
  });

  test('git status asks only about the guarded paths, untracked files included', () => {
    expect(GIT_STATUS_ARGS).toEqual(['status', '--porcelain', '--untracked-files=all', '--', 'config', 'nix', 'secrets']);
    expect(dirtyPaths('')).toEqual([]);
    expect(dirtyPaths('A  config/a.ts\n M nix/b.nix\n')).toEqual(['config/a.ts', 'nix/b.nix']);
  });

  test('a failing git status refuses unless --allow-dirty', () => {
    const gitStatus = { error: 'fatal: not a git repository' };
    expect(refusal(() => preflight(fleet, args('deploy', 'mgmt'), observed({ gitStatus }))).message).toMatch(/git status failed: fatal: not a git repository.*--allow-dirty/);
    expect(() => preflight(fleet, args('deploy', 'mgmt', { allowDirty: true }), observed({ gitStatus }))).not.toThrow();
  });

  test.each(['nats-site-1', 'mgmt'])('%s: a missing AGE_IDENTITY_FILE refuses', (stack) => {
    const e = refusal(() => preflight(fleet, args('deploy', stack), observed({ env: { HCLOUD_TOKEN: 'x' } })));
    expect(e.message).toContain('AGE_IDENTITY_FILE is not set');
    expect(e.message).toContain('secrets/recipients.txt');
    if (stack === 'mgmt') expect(e.message).toContain('mgmt-extra-files.sh');
  });

  test('an AGE_IDENTITY_FILE that is not readable refuses', () => {
    const e = refusal(() => preflight(fleet, args('plan', 'nats-site-2'), observed({ readable: (p) => !p.endsWith('harmony.txt') })));
    expect(e.message).toContain('AGE_IDENTITY_FILE names ~/.config/age/harmony.txt, which does not exist or is not readable');
  });

  test('mgmt needs HCLOUD_TOKEN, nix and jq; a site stack does not', () => {
    const env = { AGE_IDENTITY_FILE: '/id' };
    const e = refusal(() => preflight(fleet, args('deploy', 'mgmt'), observed({ env, hasCommand: (p) => p === 'age' })));
    expect(e.problems).toHaveLength(3);
    expect(e.message).toContain('HCLOUD_TOKEN is not set');
    expect(e.message).toContain('`nix` is not on the PATH');
    expect(e.message).toContain('`jq` is not on the PATH');
    expect(() => preflight(fleet, args('deploy', 'nats-site-1'), observed({ env, hasCommand: (p) => p === 'age' }))).not.toThrow();
    expect(requirementsOf({ kind: 'mgmt', stack: 'mgmt' })).toMatchObject({ env: ['AGE_IDENTITY_FILE', 'HCLOUD_TOKEN'], decryptsStore: false });
  });

  test("a site stack needs the site's kubeconfig, resolved as the fleet says", () => {
    const e = refusal(() => preflight(fleet, args('deploy', 'nats-site-3'), observed({ readable: (p) => p !== `${HOME}/.kube/site-3.yaml` })));
    expect(e.message).toContain('the kubeconfig of site-3 (~/.kube/site-3.yaml');
    expect(e.message).toContain('context "site-3"');
    expect(resolveFleetPath('kube/a.yaml', HOME, REPO)).toBe('/repo/kube/a.yaml');
    expect(resolveFleetPath('/etc/k.yaml', HOME, REPO)).toBe('/etc/k.yaml');
  });

  test('mgmt refuses without nix/flake.lock (nixos-anywhere builds in pure mode) and says how to make one; a site stack does not need it', () => {
    const noLock = (p: string) => p !== `${REPO}/nix/flake.lock`;
    const env = { AGE_IDENTITY_FILE: '/id', HCLOUD_TOKEN: 'x' };
    const e = refusal(() => preflight(fleet, args('plan', 'mgmt'), observed({ env, readable: noLock, repoRoot: REPO })));
    expect(e.problems).toEqual([
      "nix/flake.lock does not exist: nixos-anywhere builds the flake in pure mode (nix build --expr 'builtins.getFlake ...'), which refuses unlocked inputs; " +
        'on a machine with network access run `nix flake lock ./nix` (README, "The management host: first deploy"), review the pinned revisions and commit nix/flake.lock',
    ]);
    expect(() => preflight(fleet, args('plan', 'mgmt'), observed({ env, repoRoot: REPO }))).not.toThrow();
    expect(() => preflight(fleet, args('plan', 'nats-site-1'), observed({ readable: noLock, repoRoot: REPO }))).not.toThrow();
  });

  test('mgmt refuses before the host key is minted, and says how; a placeholder plan does not need it', () => {
    const env = { AGE_IDENTITY_FILE: '/id', HCLOUD_TOKEN: 'x' };
    const noHostKey = (p: string) => p !== `${REPO}/nix/secrets/ssh_host_ed25519_key.age`;
    const e = refusal(() => preflight(fleet, args('deploy', 'mgmt'), observed({ env, readable: noHostKey, repoRoot: REPO })));
    expect(e.problems).toEqual([expect.stringMatching(/^nix\/secrets\/ssh_host_ed25519_key\.age does not exist: .*run `npm run keys -- host-key`/)]);
    expect(() => preflight(fleet, args('check', 'mgmt', { placeholders: true }), observed({ env: { HCLOUD_TOKEN: 'x' }, readable: noHostKey, repoRoot: REPO }))).not.toThrow();
  });

  test('nothing phones home: the child gets CHECKPOINT_DISABLE and DISABLE_VERSION_CHECK', () => {
    expect(childEnv({ PATH: '/bin' }, {}, '/id')).toMatchObject({ CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' });
    expect(childEnv({ PATH: '/bin', CHECKPOINT_DISABLE: '' }, {}, '/id').CHECKPOINT_DISABLE).toBe('1');
  });

  test('terraform needs a synthesized stack', () => {
    const e = refusal(() => preflight(fleet, args('terraform', 'nats-site-1', { passThrough: ['init'] }), observed({ synthesized: () => false })));
    expect(e.message).toContain('cdktf.out/stacks/nats-site-1/cdk.tf.json does not exist: run `npx cdktf synth` first');
  });

  test('all problems at once', () => {
    const e = refusal(() =>
      preflight(fleet, args('deploy', 'mgmt'), observed({ gitStatus: ' M config/fleet.ts\n', env: {}, hasCommand: () => false })),
    );
    expect(e.problems.length).toBe(6); // dirty, identity, token, age, nix, jq
  });
});

describe('environment of the child process', () => {
  test('a site stack gets exactly the TF_VAR names of stacks/site-variables.ts', () => {
    const target = resolveStack(fleet, 'nats-site-1')!;
    const vars = stackVars(target, material);
    const expected = Object.values(SITE_VARIABLES).map((n) => `TF_VAR_${n}`).sort();
    expect(Object.keys(vars).sort()).toEqual(expected);
    const env = childEnv({ PATH: '/usr/bin', ...ENV_SECRETS }, vars, '/id');
    expect(Object.keys(env).filter((k) => k.startsWith('TF_VAR_')).sort()).toEqual(expected);
    expect(env.TF_VAR_nats_route_password).toBe(material.sites['site-1'].routePassword);
    expect(env.TF_VAR_nats_gateway_password).toBe(material.gatewayPassword);
    expect(env.HCLOUD_TOKEN).toBe(ENV_SECRETS.HCLOUD_TOKEN);
    expect(env.AGE_IDENTITY_FILE).toBe('/id');
  });

  test('each site gets its own route password and certificate', () => {
    const one = stackVars(resolveStack(fleet, 'nats-site-1')!, material);
    const two = stackVars(resolveStack(fleet, 'nats-site-2')!, material);
    expect(one.TF_VAR_nats_route_password).not.toBe(two.TF_VAR_nats_route_password);
    expect(one.TF_VAR_nats_tls_key).not.toBe(two.TF_VAR_nats_tls_key);
    expect(one.TF_VAR_nats_ca_cert).toBe(two.TF_VAR_nats_ca_cert);
  });

  test('mgmt gets no TF_VAR at all, inherited ones included', () => {
    const vars = stackVars({ kind: 'mgmt', stack: 'mgmt' }, undefined);
    expect(vars).toEqual({});
    expect(Object.keys(childEnv({ TF_VAR_stray: 'x', PATH: '/bin' }, vars, '/id')).filter((k) => k.startsWith('TF_VAR_'))).toEqual([]);
  });

  test('commands: cdktf deploy / diff for the stack; terraform in its synthesized directory', () => {
    // Synth ran first (main.ts, its messages once and as written): cdktf skips its own.
    expect(childCommand(args('deploy', 'nats-site-1', { passThrough: ['--auto-approve'] }))).toEqual({ program: 'npx', args: ['cdktf', 'deploy', 'nats-site-1', '--skip-synth', '--auto-approve'] });
    expect(childCommand(args('plan', 'mgmt'))).toEqual({ program: 'npx', args: ['cdktf', 'diff', 'mgmt', '--skip-synth'] });
    expect(synthesizesFirst(args('deploy', 'mgmt'))).toBe(true);
    expect(synthesizesFirst(args('terraform', 'mgmt', { passThrough: ['init'] }))).toBe(false);
    expect(SYNTH_COMMAND.args).toEqual(['-r', 'sucrase/register', 'main.ts']);
    expect(childCommand(args('terraform', 'mgmt', { passThrough: ['init'] }), '/r/cdktf.out')).toEqual({ program: 'terraform', args: ['-chdir=/r/cdktf.out/stacks/mgmt', 'init'] });
    expect(childCommand(args('check', 'mgmt'))).toBeUndefined();
  });
});

describe('CI kubeconfigs', () => {
  test('one secret per site, named after it', () => {
    expect(fleet.sites.map((s) => kubeconfigSecretName(s.name))).toEqual(['KUBECONFIG_SITE_1', 'KUBECONFIG_SITE_2', 'KUBECONFIG_SITE_3']);
  });

  test('written to the fleet path of each site; missing ones reported', () => {
    const plan = planKubeconfigs(fleet, { KUBECONFIG_SITE_1: 'one', KUBECONFIG_SITE_3: 'three' }, HOME, REPO);
    expect(plan.writes).toEqual([
      { path: `${HOME}/.kube/site-1.yaml`, sites: ['site-1'], content: 'one' },
      { path: `${HOME}/.kube/site-3.yaml`, sites: ['site-3'], content: 'three' },
    ]);
    expect(plan.missing).toEqual([{ site: 'site-2', variable: 'KUBECONFIG_SITE_2' }]);
  });

  test('sites sharing one kubeconfig file need the same secret', () => {
    const shared: Fleet = { ...fleet, sites: fleet.sites.map((s) => ({ ...s, kubernetes: { ...s.kubernetes, configPath: 'kube/all.yaml' } })) };
    const same = planKubeconfigs(shared, { KUBECONFIG_SITE_1: 'all', KUBECONFIG_SITE_2: 'all', KUBECONFIG_SITE_3: 'all' }, HOME, REPO);
    expect(same.writes).toEqual([{ path: '/repo/kube/all.yaml', sites: ['site-1', 'site-2', 'site-3'], content: 'all' }]);
    const differ = planKubeconfigs(shared, { KUBECONFIG_SITE_1: 'a-SECRET', KUBECONFIG_SITE_2: 'b-SECRET' }, HOME, REPO);
    expect(differ.problems).toHaveLength(1);
    expect(differ.problems[0]).toContain('KUBECONFIG_SITE_1 and KUBECONFIG_SITE_2 differ');
    expect(differ.problems[0]).not.toContain('SECRET');
  });
});

describe('nothing secret in any message', () => {
  test('refusals and errors name variables and files, never values', () => {
    const messages: string[] = [];
    const grab = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        messages.push((e as Error).message);
      }
    };
    grab(() => parseOperateArgs(fleet, ['deploy', ENV_SECRETS.HCLOUD_TOKEN.replace(/-/g, '')]));
    for (const stack of knownStacks(fleet)) {
      grab(() => preflight(fleet, args('deploy', stack), observed({ gitStatus: ' M config/fleet.ts\n', env: { ...ENV_SECRETS, HCLOUD_TOKEN: '' }, readable: () => false, hasCommand: () => false })));
      grab(() => preflight(fleet, args('deploy', stack), observed({ gitStatus: { error: 'boom' }, readable: () => false })));
    }
    grab(() => stackVars(resolveStack(fleet, 'nats-site-1')!, undefined));
    const withoutSite1: SecretMaterial = { ...material, sites: { 'site-2': material.sites['site-2'] } };
    grab(() => stackVars(resolveStack(fleet, 'nats-site-1')!, withoutSite1));
    expect(messages.length).toBeGreaterThanOrEqual(2 * knownStacks(fleet).length + 3);
    for (const m of messages) expectSecretFree(m);
  });
});

describe('scripts/deploy.ts (the wrapper)', () => {
  const script = join(__dirname, '..', '..', 'scripts', 'deploy.ts');
  const run = (argv: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', script, ...argv], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      timeout: 60_000,
    });

  test('refuses an unknown stack with exit 3, listing the known stacks; a refused check reports on stdout without secrets', () => {
    const unknown = run(['deploy', 'nats-nowhere'], {});
    expect(unknown.status).toBe(REFUSED_EXIT);
    expect(unknown.stderr).toContain('unknown stack "nats-nowhere"; the fleet (config/fleet.ts) has: mgmt, nats-site-1, nats-site-2, nats-site-3');

    const check = run(['check', 'mgmt', '--allow-dirty'], { HCLOUD_TOKEN: ENV_SECRETS.HCLOUD_TOKEN });
    expect(check.status).toBe(REFUSED_EXIT);
    expect(check.stdout).toContain('AGE_IDENTITY_FILE is not set');
    expectSecretFree(check.stdout + check.stderr);
  }, 60_000);
});

describe('afterSiteDeploy', () => {
  const full = { ...exampleFleet, auth: { mode: 'jwt' as const, resolver: 'full' as const } };
  test('with the full resolver, a site deploy is followed by the push, named with its port-forward', () => {
    expect(afterSiteDeploy(full, resolveStack(full, 'nats-site-2')!)).toEqual([
      'next: nats-site-2 runs the full resolver, which a deploy does not update:',
      '  kubectl -n nats port-forward svc/nats 4222 (kubeconfig of site-2), then npm run accounts -- push',
      '  (every site takes the push; run it once after deploying the sites whose config/jwt.json changed)',
    ]);
  });
  test('nothing for the MEMORY resolver, nkeys mode or the mgmt stack', () => {
    expect(afterSiteDeploy({ ...exampleFleet, auth: { mode: 'jwt' } }, resolveStack(exampleFleet, 'nats-site-1')!)).toEqual([]);
    expect(afterSiteDeploy(exampleFleet, resolveStack(exampleFleet, 'nats-site-1')!)).toEqual([]);
    expect(afterSiteDeploy(full, resolveStack(full, 'mgmt')!)).toEqual([]);
  });
});
