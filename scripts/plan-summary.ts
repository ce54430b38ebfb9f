/**
 * `ts-node scripts/plan-summary.ts --plans <dir> [--synth-dir cdktf.out] [--out <file>] [--subtitle <text>] [--artifacts-url <url>]`
 *
 * For every stack in `<synth-dir>/manifest.json`, reads `<dir>/<stack>.json`
 * (`terraform show -json <planfile>`) or `<dir>/<stack>.failed` (why there is
 * no plan; scripts/ci-plan.sh writes it) and writes the markdown summary of
 * lib/operate/plan-summary.ts to `--out` (default: stdout).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackResult } from '../lib/operate/plan-summary';
import { parsePlanJson, renderSummary } from '../lib/operate/plan-summary';

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function backendOf(synthDir: string, stack: string): string | undefined {
  const file = join(synthDir, 'stacks', stack, 'cdk.tf.json');
  if (!existsSync(file)) return undefined;
  const backend = (JSON.parse(readFileSync(file, 'utf8')) as { terraform?: { backend?: Record<string, unknown> } }).terraform?.backend;
  return backend ? Object.keys(backend)[0] : undefined;
}

function main(argv: readonly string[]): number {
  const plans = option(argv, '--plans');
  if (!plans) throw new Error('usage: plan-summary.ts --plans <dir> [--synth-dir cdktf.out] [--out <file>] [--subtitle <text>]');
  const synthDir = option(argv, '--synth-dir') ?? 'cdktf.out';
  const manifestFile = join(synthDir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} does not exist: run \`npx cdktf synth\` first`);
  const stacks = Object.keys((JSON.parse(readFileSync(manifestFile, 'utf8')) as { stacks: Record<string, unknown> }).stacks).sort();

  const results: StackResult[] = stacks.map((stack) => {
    const backend = backendOf(synthDir, stack);
    const planFile = join(plans, `${stack}.json`);
    const failedFile = join(plans, `${stack}.failed`);
    if (existsSync(failedFile)) {
      const why = readFileSync(failedFile, 'utf8').trim().split('\n').slice(0, 5).join('; ').slice(0, 400);
      return { stack, failure: why || 'failed (see the job log)', backend };
    }
    if (!existsSync(planFile)) return { stack, failure: 'no plan was produced (see the job log)', backend };
    try {
      return { stack, plan: parsePlanJson(readFileSync(planFile, 'utf8'), `${stack}.json`), backend };
    } catch (e) {
      return { stack, failure: (e as Error).message, backend };
    }
  });

  const markdown = renderSummary(results, { subtitle: option(argv, '--subtitle'), artifactsUrl: option(argv, '--artifacts-url') });
  const out = option(argv, '--out');
  if (out) writeFileSync(out, markdown);
  else process.stdout.write(markdown);
  return results.some((r) => 'failure' in r) ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`plan-summary: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
