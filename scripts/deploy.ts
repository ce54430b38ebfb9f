/**
 * `npm run deploy -- <stack>` and `npm run plan -- <stack>`: checks the
 * preconditions (lib/operate/deploy-plan.ts), decrypts secrets/nats.age with
 * the operator's age identity into `TF_VAR_*` for the child process only,
 * and runs `cdktf deploy|diff <stack>`. CI uses two more commands: `check`
 * and `terraform` (scripts/ci-plan.sh), and `write-kubeconfigs`.
 *
 * Prints only to stderr (CI redirects `terraform show -json` on stdout) and
 * never prints a secret: refusals name variables and files, not values.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parsePlanMeta, planFiles, stalePlanProblems, stateHeader } from '../lib/operate/saved-plan';
import { delimiter, join, resolve } from 'node:path';
import { fleet } from '../config/fleet';
import {
  afterSiteDeploy,
  childCommand,
  childEnv,
  DeployRefusal,
  GIT_STATUS_ARGS,
  kubeconfigDirs,
  kvSnapshotCredentialsProblem,
  parseOperateArgs,
  planKubeconfigs,
  preflight,
  REFUSED_EXIT,
  REPO_ROOT,
  SYNTH_COMMAND,
  stackVars,
  synthesizesFirst,
} from '../lib/operate/deploy-plan';
import { readStore } from '../lib/secrets/store';

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const readable = (path: string): boolean => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

const hasCommand = (program: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && (() => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  })());

function gitStatus(): string | { error: string } {
  const r = spawnSync('git', [...GIT_STATUS_ARGS], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.error) return { error: (r.error as NodeJS.ErrnoException).code ?? r.error.message };
  if (r.status !== 0) return { error: (r.stderr.split('\n')[0] || `exit status ${r.status}`).trim() };
  return r.stdout;
}

function writeKubeconfigs(): number {
  const plan = planKubeconfigs(fleet, process.env);
  for (const p of plan.problems) say(`write-kubeconfigs: ${p}`);
  if (plan.problems.length > 0) return REFUSED_EXIT;
  for (const dir of kubeconfigDirs(plan)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const w of plan.writes) {
    if (existsSync(w.path) && readFileSync(w.path, 'utf8') !== w.content) {
      say(`write-kubeconfigs: ${w.path} exists with other content; not overwriting it (this command is for CI runners)`);
      return REFUSED_EXIT;
    }
    writeFileSync(w.path, w.content, { mode: 0o600 });
    say(`write-kubeconfigs: kubeconfig of ${w.sites.join(', ')} written to ${w.path}`);
  }
  for (const m of plan.missing) say(`write-kubeconfigs: ${m.variable} is not set; the plan of ${m.site} will be refused`);
  return 0;
}

/** Runs a command with the deploy's environment; stdout captured when asked. */
function sh(program: string, argv: readonly string[], env: Record<string, string>, capture = false): { status: number; stdout: string } {
  const r = spawnSync(program, [...argv], { cwd: REPO_ROOT, env, encoding: 'utf8', stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
  return { status: r.error ? 1 : (r.status ?? 1), stdout: r.stdout ?? '' };
}

/**
 * `deploy <stack> --plan <dir>`: apply exactly the plan CI saved, after
 * checking that neither the configuration nor the state moved since
 * (lib/operate/saved-plan.ts); refuses otherwise, with exit 3.
 */
function applySavedPlan(stack: string, dir: string, env: Record<string, string>): number {
  const files = planFiles(resolve(dir), stack);
  for (const file of [files.plan, files.meta]) {
    if (!existsSync(file)) {
      say(`refusing: ${file} does not exist; --plan takes the directory of the workflow run's artifacts (unpacked), which holds <stack>.tfplan and <stack>.meta.json`);
      return REFUSED_EXIT;
    }
  }
  const meta = parsePlanMeta(readFileSync(files.meta, 'utf8'), files.meta);
  const synth = sh(SYNTH_COMMAND.program, SYNTH_COMMAND.args, { ...env, CHECKPOINT_DISABLE: '1' });
  if (synth.status !== 0) return synth.status;
  const chdir = `-chdir=${join(REPO_ROOT, 'cdktf.out', 'stacks', stack)}`;
  if (sh('terraform', [chdir, 'init', '-input=false'], env).status !== 0) return 1;
  const pulled = sh('terraform', [chdir, 'state', 'pull'], env, true);
  if (pulled.status !== 0) return 1;
  const git = spawnSync('git', ['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const [commit, tree] = (git.stdout ?? '').trim().split('\n');
  const problems = stalePlanProblems(meta, { stack, commit: commit ?? '', tree: tree ?? '', state: stateHeader(pulled.stdout) });
  if (problems.length > 0) {
    say(`refusing the saved plan of ${stack}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return REFUSED_EXIT;
  }
  say(`applying the plan of ${stack} made at ${meta.commit.slice(0, 12)} (state serial ${meta.serial ?? 'none'}), as reviewed`);
  return sh('terraform', [chdir, 'apply', '-input=false', files.plan], env).status;
}

function run(argv: readonly string[]): number {
  if (argv[0] === 'write-kubeconfigs') return writeKubeconfigs();
  try {
    const args = parseOperateArgs(fleet, argv);
    const { target, identityFile } = preflight(fleet, args, {
      gitStatus: args.allowDirty ? '' : gitStatus(),
      env: process.env,
      readable,
      hasCommand,
      cwd: process.cwd(),
      synthesized: (stack) => existsSync(join(REPO_ROOT, 'cdktf.out', 'stacks', stack, 'cdk.tf.json')),
    });
    // Decrypting is part of the checks: a store that does not open, or has no
    // material for the site, refuses before anything runs.
    const material = target.kind === 'site' && !args.placeholders ? readStore(identityFile) : undefined;
    const credentials = material && kvSnapshotCredentialsProblem(fleet, target, material);
    if (credentials) throw new DeployRefusal([credentials]);
    const vars = stackVars(target, target.kind !== 'site' ? undefined : args.placeholders ? 'placeholders' : material);
    const source = args.placeholders ? 'placeholders, no secret' : 'secrets/nats.age';
    const command = childCommand(args, join(REPO_ROOT, 'cdktf.out'));
    if (!command) {
      // `check`: the preconditions hold. stdout stays empty for CI.
      say(`${args.stack}: ready (${Object.keys(vars).length} TF_VAR_* from ${source})`);
      return 0;
    }
    const thenNextSteps = (status: number): number => {
      if (status === 0 && args.command === 'deploy') for (const line of afterSiteDeploy(fleet, target)) say(line);
      return status;
    };
    if (args.plan) return thenNextSteps(applySavedPlan(args.stack, args.plan, childEnv(process.env, vars, identityFile)));
    if (synthesizesFirst(args)) {
      // Synth needs no secret: the plain environment, and its own messages as it prints them.
      const synth = spawnSync(SYNTH_COMMAND.program, [...SYNTH_COMMAND.args], { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
      if (synth.status !== 0) return synth.status ?? 1;
    }
    say(`${args.command} ${args.stack}: ${Object.keys(vars).length} TF_VAR_* from ${source} for this process only`);
    const r = spawnSync(command.program, [...command.args], { cwd: REPO_ROOT, env: childEnv(process.env, vars, identityFile), stdio: 'inherit' });
    if (r.error) {
      say(`cannot run ${command.program}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
      return 1;
    }
    return thenNextSteps(r.status ?? 1);
  } catch (e) {
    // Refusals, readStore and siteTfVars errors name files, sites and variables, never content.
    const problems = e instanceof DeployRefusal ? e.problems : [(e as Error).message];
    say(e instanceof DeployRefusal ? e.message : `refusing: ${problems[0]}`);
    // `check` also reports on stdout: CI copies it into the PR comment (it is secret-free).
    if (argv[0] === 'check') process.stdout.write(`${problems.join('\n')}\n`);
    return REFUSED_EXIT;
  }
}

process.exitCode = run(process.argv.slice(2));
