import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Fleet, SiteSpec } from '../../config/types';
import { jwtResolver, repositoryScheme } from '../defaults';
import { MGMT_STACK, siteStackName } from '../stack-names';
import { IDENTITY_ENV } from '../secrets/age';
import type { SecretMaterial } from '../secrets/material';
import { SITE_TF_VARS, siteTfVars } from '../secrets/tf-vars';

/**
 * The pure half of `npm run deploy` / `npm run plan` (scripts/deploy.ts):
 * argument checking, which preconditions apply to which stack, the child
 * process's environment and command line. Nothing here runs a process or
 * reads a file: the script passes in what it observed (git status, the
 * environment, which files are readable, which programs are installed).
 *
 * Every message built here names variables, files, stacks and programs,
 * never a value from the environment or the secrets store.
 */


/** Paths whose uncommitted changes would make a deploy differ from what is in git. */
export const GUARDED_PATHS = ['config', 'nix', 'secrets'] as const;

/** The mgmt host's SSH host key, age-encrypted (npm run keys -- host-key), relative to the repository. */
export const HOST_KEY = 'nix/secrets/ssh_host_ed25519_key.age';

/** The lock file of the mgmt host's flake, relative to the repository. */
export const FLAKE_LOCK = 'nix/flake.lock';

/** Where the repository sits, from this file. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** Exit status of a refusal (distinct from Terraform's 1), so CI can tell "refused" from "failed". */
export const REFUSED_EXIT = 3;

export type StackTarget = { readonly kind: 'mgmt'; readonly stack: string } | { readonly kind: 'site'; readonly stack: string; readonly site: SiteSpec };

export type OperateCommand = 'deploy' | 'plan' | 'terraform' | 'check';

/** Terraform commands that write nothing anywhere: all `--placeholders` may run. */
export const PLACEHOLDER_COMMANDS: readonly string[] = ['init', 'plan', 'show', 'validate', 'providers', 'version', 'state'];

/** What a placeholder secret holds: obviously not a secret, and never applied (`--placeholders` refuses apply). */
export const PLACEHOLDER_VALUE = 'placeholder-not-a-secret';
const COMMANDS: readonly OperateCommand[] = ['deploy', 'plan', 'terraform', 'check'];

export interface OperateArgs {
  readonly command: OperateCommand;
  readonly stack: string;
  readonly allowDirty: boolean;
  /**
   * CI's plan preview: no age identity, no secret; every secret variable is
   * a placeholder (they are ephemeral and reach only write-only arguments,
   * so a plan is the same with them). Only read-only Terraform commands run.
   */
  readonly placeholders: boolean;
  /** deploy only: apply exactly the plan CI saved in this directory (after checking nothing moved). */
  readonly plan?: string;
  /** Arguments after `--`, passed to cdktf (deploy, plan) or terraform (terraform) unchanged. */
  readonly passThrough: readonly string[];
}

/** A deploy that must not start; `problems` are complete sentences, secret-free. */
export class DeployRefusal extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? `refusing: ${problems[0]}` : `refusing, ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DeployRefusal';
  }
}

export const USAGE = [
  'usage: npm run deploy -- <stack> [--allow-dirty] [-- <cdktf deploy options>]',
  '       npm run deploy -- <stack> --plan <dir>                                   (apply exactly the plan CI saved, if nothing moved since)',
  '       npm run plan -- <stack> [--allow-dirty] [-- <cdktf diff options>]',
  '       ts-node scripts/deploy.ts terraform <stack> [--allow-dirty] -- <terraform arguments>   (CI: runs in cdktf.out/stacks/<stack>)',
  '       ts-node scripts/deploy.ts check <stack> [--allow-dirty]                                (preconditions only)',
  '       ts-node scripts/deploy.ts write-kubeconfigs                                            (CI: KUBECONFIG_<SITE> variables to the fleet paths)',
].join('\n');

/** Every deployable stack of the fleet, in the order stacks/fleet-app.ts adds them. */
export const knownStacks = (fleet: Fleet): string[] => [MGMT_STACK, ...fleet.sites.map(siteStackName)];

export function resolveStack(fleet: Fleet, stack: string): StackTarget | undefined {
  if (stack === MGMT_STACK) return { kind: 'mgmt', stack };
  const site = fleet.sites.find((s) => siteStackName(s) === stack);
  return site ? { kind: 'site', stack, site } : undefined;
}

const unknownStack = (fleet: Fleet, stack: string): string =>
  `unknown stack "${stack}"; the fleet (config/fleet.ts) has: ${knownStacks(fleet).join(', ')}`;

/** `argv` is what follows the script name: `<command> <stack> [--allow-dirty] [-- ...]`. */
export function parseOperateArgs(fleet: Fleet, argv: readonly string[]): OperateArgs {
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as OperateCommand)) {
    throw new DeployRefusal([`unknown command "${command ?? ''}"; one of ${COMMANDS.join(', ')}\n${USAGE}`]);
  }
  const dashDash = rest.indexOf('--');
  const raw = dashDash === -1 ? rest : rest.slice(0, dashDash);
  const passThrough = dashDash === -1 ? [] : rest.slice(dashDash + 1);
  const problems: string[] = [];
  // `--plan <dir>` and `--plan=<dir>` take a value; everything else is a flag or the stack.
  let plan: string | undefined;
  const own: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '--plan') plan = raw[++i] ?? '';
    else if (raw[i].startsWith('--plan=')) plan = raw[i].slice('--plan='.length);
    else own.push(raw[i]);
  }
  if (plan !== undefined && (plan === '' || plan.startsWith('-'))) problems.push('--plan needs the directory CI saved the plans in (the workflow run\'s artifacts, unpacked)');
  if (plan !== undefined && command !== 'deploy') problems.push(`--plan is for deploy (apply a saved plan), not ${command}`);
  const options = own.filter((a) => a.startsWith('-'));
  const positional = own.filter((a) => !a.startsWith('-'));
  for (const option of options) {
    if (option !== '--allow-dirty' && option !== '--placeholders') problems.push(`unknown option "${option}" (cdktf or terraform options go after a separate \`--\`)\n${USAGE}`);
  }
  if (positional.length === 0) problems.push(`name the stack: one of ${knownStacks(fleet).join(', ')}\n${USAGE}`);
  else if (positional.length > 1) problems.push(`one stack at a time (got ${positional.join(', ')}); DR rebuilds and deploys are per stack\n${USAGE}`);
  else if (!resolveStack(fleet, positional[0])) problems.push(unknownStack(fleet, positional[0]));
  if (command === 'terraform' && passThrough.length === 0) problems.push(`\`terraform\` needs the Terraform arguments after \`--\` (e.g. \`-- plan -input=false\`)`);
  const placeholders = options.includes('--placeholders');
  if (placeholders) {
    const words = passThrough.filter((a) => !a.startsWith('-'));
    const sub = words[0];
    if (command !== 'terraform' && command !== 'check') problems.push(`--placeholders is for CI's plan preview (\`terraform\` and \`check\`), never for ${command}: a deploy needs the real secrets`);
    else if (command === 'terraform' && sub === 'state' && words[1] !== 'pull') {
      problems.push(`--placeholders allows \`state pull\` only (reading the serial a saved plan records), not "state ${words[1] ?? ''}"`);
    } else if (command === 'terraform' && !PLACEHOLDER_COMMANDS.includes(sub ?? '')) {
      problems.push(`--placeholders runs only read-only Terraform commands (${PLACEHOLDER_COMMANDS.join(', ')}), not "${sub ?? ''}": placeholder secrets must never reach a cluster`);
    } else if (sub === 'plan' && !passThrough.includes('-refresh=false') && !passThrough.includes('-refresh-only')) {
      problems.push(
        '--placeholders plans need -refresh=false (the PR preview: its credentials cannot read Kubernetes Secrets, by design) or -refresh-only (drift detection, whose credentials can)',
      );
    }
  }
  if (problems.length > 0) throw new DeployRefusal(problems);
  return { command: command as OperateCommand, stack: positional[0], allowDirty: options.includes('--allow-dirty'), placeholders, passThrough, ...(plan ? { plan } : {}) };
}

/** Paths `git status --porcelain` reports (renames: the new path). */
export function dirtyPaths(porcelain: string): string[] {
  return porcelain
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const path = line.slice(3);
      const arrow = path.indexOf(' -> ');
      return arrow === -1 ? path : path.slice(arrow + 4);
    });
}

/** The arguments of the `git status` the script runs: porcelain, limited to the guarded paths. */
export const GIT_STATUS_ARGS: readonly string[] = ['status', '--porcelain', '--untracked-files=all', '--', ...GUARDED_PATHS];

/** What a stack needs before anything runs. */
export interface StackRequirements {
  /** Environment variables that must be non-empty. */
  readonly env: readonly string[];
  /** Programs that must be on the PATH. */
  readonly commands: readonly string[];
  /** Decrypt secrets/nats.age into `TF_VAR_*`. */
  readonly decryptsStore: boolean;
  /** The site's kubeconfig, resolved (site stacks). */
  readonly kubeconfig?: string;
}

/** Where a fleet kubeconfig path points: `~/` is the home directory, relative paths are from the repo root. */
export function resolveFleetPath(path: string, home: string = homedir(), repoRoot: string = REPO_ROOT): string {
  if (path === '~' || path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(repoRoot, path);
}

/**
 * Which checks apply to which stack. Every stack needs the age identity: a
 * site stack to decrypt the seed store into TF_VARs, mgmt for
 * scripts/mgmt-extra-files.sh (it decrypts the host key nixos-anywhere
 * installs). mgmt also needs HCLOUD_TOKEN for the hcloud provider and nix +
 * jq for nixos-anywhere's build step, which runs on every plan.
 */
export function requirementsOf(target: StackTarget, home?: string, repoRoot?: string): StackRequirements {
  if (target.kind === 'mgmt') return { env: [IDENTITY_ENV, 'HCLOUD_TOKEN'], commands: ['age', 'nix', 'jq'], decryptsStore: false };
  return { env: [IDENTITY_ENV], commands: ['age'], decryptsStore: true, kubeconfig: resolveFleetPath(target.site.kubernetes.configPath, home, repoRoot) };
}

/** What the script observed; injected so the checks are testable. */
export interface Observed {
  /** `git status --porcelain` output for GUARDED_PATHS, or why it could not run. */
  readonly gitStatus: string | { readonly error: string };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readable: (path: string) => boolean;
  readonly hasCommand: (program: string) => boolean;
  /** The working directory, to make a relative identity path absolute. */
  readonly cwd: string;
  /** For `terraform`: whether `cdktf.out/stacks/<stack>/cdk.tf.json` exists. */
  readonly synthesized?: (stack: string) => boolean;
  readonly home?: string;
  readonly repoRoot?: string;
}

export interface Preflight {
  readonly target: StackTarget;
  /** The age identity as an absolute path: mgmt-extra-files.sh runs in a temporary directory and needs one. */
  readonly identityFile: string;
}

/** Runs every check that applies to the stack and refuses with all problems at once. */
export function preflight(fleet: Fleet, args: OperateArgs, seen: Observed): Preflight {
  const target = resolveStack(fleet, args.stack);
  if (!target) throw new DeployRefusal([unknownStack(fleet, args.stack)]);
  const full = requirementsOf(target, seen.home, seen.repoRoot);
  // With placeholders nothing is decrypted: no age identity (CI has none).
  const needs = args.placeholders ? { ...full, env: full.env.filter((e) => e !== IDENTITY_ENV), decryptsStore: false } : full;
  const problems: string[] = [];

  if (!args.allowDirty) {
    if (typeof seen.gitStatus !== 'string') {
      problems.push(`cannot tell whether ${GUARDED_PATHS.map((p) => `${p}/`).join(', ')} are committed (git status failed: ${seen.gitStatus.error}); pass --allow-dirty to deploy anyway`);
    } else {
      const dirty = dirtyPaths(seen.gitStatus);
      if (dirty.length > 0) {
        const shown = dirty.slice(0, 10).join(', ') + (dirty.length > 10 ? `, and ${dirty.length - 10} more` : '');
        problems.push(
          `uncommitted changes under ${GUARDED_PATHS.map((p) => `${p}/`).join(', ')} (${shown}): commit them first, so what is deployed is what is in git, or pass --allow-dirty`,
        );
      }
    }
  }

  for (const name of needs.env) {
    if (!seen.env[name]) {
      problems.push(
        name === IDENTITY_ENV
          ? `${IDENTITY_ENV} is not set: export ${IDENTITY_ENV}=<your age identity file> (its public key must be in secrets/recipients.txt)` +
              (target.kind === 'mgmt' ? '; the mgmt stack needs it for scripts/mgmt-extra-files.sh, which installs the host key' : '; it decrypts secrets/nats.age')
          : `${name} is not set: export ${name} (the Hetzner Cloud API token of the project: read/write to deploy, read-only is enough to plan)`,
      );
    }
  }
  const identity = seen.env[IDENTITY_ENV];
  const identityFile = identity ? (identity === '~' || identity.startsWith('~/') ? join(seen.home ?? homedir(), identity.slice(2)) : resolve(seen.cwd, identity)) : '';
  if (identity && !seen.readable(identityFile)) {
    problems.push(`${IDENTITY_ENV} names ${identity}, which does not exist or is not readable`);
  }
  for (const program of needs.commands) {
    if (!seen.hasCommand(program)) {
      const why = program === 'age' ? 'it decrypts the secrets' : 'nixos-anywhere builds the NixOS system with it on every plan';
      problems.push(`\`${program}\` is not on the PATH (${why})`);
    }
  }
  if (target.kind === 'mgmt' && !args.placeholders && !seen.readable(join(seen.repoRoot ?? REPO_ROOT, HOST_KEY))) {
    problems.push(
      `${HOST_KEY} does not exist: nixos-anywhere installs the host's SSH key from it before first boot, and agenix decrypts every host secret with that key; ` +
        'run `npm run keys -- host-key`, create the agenix secrets (nix/secrets/README.md) and commit',
    );
  }
  if (target.kind === 'mgmt' && !seen.readable(join(seen.repoRoot ?? REPO_ROOT, FLAKE_LOCK))) {
    problems.push(
      `${FLAKE_LOCK} does not exist: nixos-anywhere builds the flake in pure mode (nix build --expr 'builtins.getFlake ...'), which refuses unlocked inputs; ` +
        'on a machine with network access run `nix flake lock ./nix` (README, "The management host: first deploy"), review the pinned revisions and commit nix/flake.lock',
    );
  }
  if (needs.kubeconfig && !seen.readable(needs.kubeconfig)) {
    const site = target.kind === 'site' ? target.site : undefined;
    problems.push(
      `the kubeconfig of ${site?.name} (${site?.kubernetes.configPath}, fleet sites[].kubernetes.configPath) does not exist or is not readable; ` +
        `for a rebuilt site, write the new cluster's kubeconfig there with context "${site?.kubernetes.context}"`,
    );
  }
  if (args.command === 'terraform' && seen.synthesized && !seen.synthesized(args.stack)) {
    problems.push(`cdktf.out/stacks/${args.stack}/cdk.tf.json does not exist: run \`npx cdktf synth\` first`);
  }
  if (problems.length > 0) throw new DeployRefusal(problems);
  return { target, identityFile };
}

/**
 * The variables a stack's Terraform gets from the store: a site stack's
 * sensitive inputs, nothing for mgmt. Secret values: for a child process's
 * environment only.
 */
export function stackVars(target: StackTarget, material: SecretMaterial | 'placeholders' | undefined): Record<string, string> {
  if (target.kind === 'mgmt') return {};
  if (material === 'placeholders') return placeholderVars();
  if (!material) throw new Error(`the ${target.stack} stack needs the decrypted secrets store`);
  return siteTfVars(material, target.site.name);
}

/** restic backends that read their credentials from the environment (restic's docs, "Preparing a new repository"). */
const CREDENTIAL_BACKENDS: { readonly [scheme: string]: string } = {
  s3: 'AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY',
  b2: 'B2_ACCOUNT_ID,B2_ACCOUNT_KEY',
  azure: 'AZURE_ACCOUNT_NAME,AZURE_ACCOUNT_KEY',
  gs: 'GOOGLE_PROJECT_ID,GOOGLE_APPLICATION_CREDENTIALS',
  swift: 'OS_AUTH_URL,OS_USERNAME,OS_PASSWORD',
};

/**
 * The home site's deploy hands the KV snapshot CronJob restic's backend
 * credentials; without them every hourly run would fail in the cluster,
 * unseen until the snapshot alert fires. Refused here instead, with the fix.
 */
export function kvSnapshotCredentialsProblem(fleet: Fleet, target: StackTarget, material: SecretMaterial): string | undefined {
  if (target.kind !== 'site' || target.site.name !== fleet.account.kv.homeSite) return undefined;
  const scheme = repositoryScheme(fleet.account.kv.snapshots.repository) ?? '';
  const names = CREDENTIAL_BACKENDS[scheme];
  if (!names || Object.keys(material.kvSnapshots?.env ?? {}).length > 0) return undefined;
  return (
    `${target.stack} runs the KV snapshot CronJob, whose ${scheme}: repository (account.kv.snapshots.repository) needs credentials, and the store has none: ` +
    `export them and run \`npm run keys -- kv-snapshot-env ${names}\`, commit, then deploy`
  );
}

/** Every site secret variable set to PLACEHOLDER_VALUE. */
export const placeholderVars = (): Record<string, string> => Object.fromEntries(Object.values(SITE_TF_VARS).map((name) => [`TF_VAR_${name}`, PLACEHOLDER_VALUE]));

/**
 * The child's environment: the caller's, minus any inherited `TF_VAR_*` (the
 * store alone decides the stack's inputs), plus `vars`, with the identity
 * made absolute.
 */
export function childEnv(base: Readonly<Record<string, string | undefined>>, vars: Readonly<Record<string, string>>, identityFile: string): Record<string, string> {
  const kept = Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('TF_VAR_') && e[0] !== IDENTITY_ENV);
  // Neither Terraform (CHECKPOINT_DISABLE) nor the cdktf CLI (DISABLE_VERSION_CHECK) phones home from a deploy.
  return { ...Object.fromEntries(kept), ...vars, ...(identityFile ? { [IDENTITY_ENV]: identityFile } : {}), CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' };
}

export interface ChildCommand {
  readonly program: string;
  readonly args: readonly string[];
}

/**
 * The synth that runs before cdktf deploy/diff: main.ts itself, so a bad
 * fleet prints its problems once, as written (the cdktf CLI would log every
 * line of the app's stderr as [ERROR] and then print it again).
 */
export const SYNTH_COMMAND: ChildCommand = { program: process.execPath, args: ['-r', 'sucrase/register', 'main.ts'] };

/** Commands that synthesize first (SYNTH_COMMAND), then run cdktf on the result. */
export const synthesizesFirst = (args: OperateArgs): boolean => args.command === 'deploy' || args.command === 'plan';

/** What runs: cdktf for deploy/plan (after SYNTH_COMMAND), terraform in the synthesized stack directory for CI. */
export function childCommand(args: OperateArgs, synthDir = 'cdktf.out'): ChildCommand | undefined {
  switch (args.command) {
    case 'deploy':
      return { program: 'npx', args: ['cdktf', 'deploy', args.stack, '--skip-synth', ...args.passThrough] };
    case 'plan':
      return { program: 'npx', args: ['cdktf', 'diff', args.stack, '--skip-synth', ...args.passThrough] };
    case 'terraform':
      return { program: 'terraform', args: [`-chdir=${join(synthDir, 'stacks', args.stack)}`, ...args.passThrough] };
    case 'check':
      return undefined;
  }
}

/** The repository secret (and CI environment variable) holding a site's kubeconfig: `KUBECONFIG_SITE_1` for `site-1`. */
export const kubeconfigSecretName = (site: string): string => `KUBECONFIG_${site.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

export interface KubeconfigWrite {
  readonly path: string;
  readonly sites: readonly string[];
  /** The secret's value: write it to `path`, never print it. */
  readonly content: string;
}

export interface KubeconfigPlan {
  readonly writes: readonly KubeconfigWrite[];
  /** Sites whose variable is unset: their plan is reported as refused. */
  readonly missing: readonly { readonly site: string; readonly variable: string }[];
  readonly problems: readonly string[];
}

/**
 * CI: where each site's kubeconfig secret goes. Sites sharing a configPath
 * (one kubeconfig with several contexts) must have identical secrets.
 */
export function planKubeconfigs(fleet: Fleet, env: Readonly<Record<string, string | undefined>>, home?: string, repoRoot?: string): KubeconfigPlan {
  const byPath = new Map<string, { sites: string[]; content: string; variable: string }>();
  const missing: { site: string; variable: string }[] = [];
  const problems: string[] = [];
  for (const site of fleet.sites) {
    const variable = kubeconfigSecretName(site.name);
    const content = env[variable];
    if (!content) {
      missing.push({ site: site.name, variable });
      continue;
    }
    const path = resolveFleetPath(site.kubernetes.configPath, home, repoRoot);
    const seen = byPath.get(path);
    if (!seen) byPath.set(path, { sites: [site.name], content, variable });
    else if (seen.content !== content) {
      problems.push(`${seen.variable} and ${variable} differ but both sites use ${site.kubernetes.configPath}: sites sharing a kubeconfig file need the same secret (one kubeconfig with both contexts)`);
    } else seen.sites.push(site.name);
  }
  return { writes: [...byPath].map(([path, w]) => ({ path, sites: w.sites, content: w.content })), missing, problems };
}

/** Directories `planKubeconfigs` writes into (for the script's mkdir). */
export const kubeconfigDirs = (plan: KubeconfigPlan): string[] => [...new Set(plan.writes.map((w) => dirname(w.path)))];

/**
 * What to run after a site stack was deployed. With the full resolver the
 * running servers take config/jwt.json's account JWTs only from a push
 * (docs/jwt-mode.md); without it, nothing.
 */
export function afterSiteDeploy(fleet: Fleet, target: StackTarget): string[] {
  if (target.kind !== 'site' || jwtResolver(fleet) !== 'full') return [];
  return [
    `next: ${target.stack} runs the full resolver, which a deploy does not update:`,
    `  kubectl -n nats port-forward svc/nats 4222 (kubeconfig of ${target.site.name}), then npm run accounts -- push`,
    '  (every site takes the push; run it once after deploying the sites whose config/jwt.json changed)',
  ];
}
