/**
 * `npm run bench`: synth time and peak memory of the default fleet and of
 * generated 10- and 30-site fleets, against an empty cdktf app measured the
 * same way in the same run. Each case runs in a fresh process, several
 * times; the median counts. Ratios are what to compare across machines.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = ['empty', 'default', '10', '30'] as const;

interface Sample {
  readonly wallMs: number;
  readonly maxRssMb: number;
}

function once(kind: string): Sample {
  const start = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['-r', 'sucrase/register', join(__dirname, 'bench-case.ts'), kind], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_START_NS: String(start) },
  });
  const reported = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Sample;
  // Wall time from the parent's view: process start to exit, module loading included.
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, maxRssMb: reported.maxRssMb };
}

/**
 * The same case the way an operator runs it: `cdktf synth` from a project
 * whose cdktf.json app is this case. The CLI's own start-up is in both the
 * case and the baseline.
 */
function throughCli(kind: string): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-bench-cli-'));
  try {
    const app = `${process.execPath} -r ${require.resolve('sucrase/register')} ${join(__dirname, 'bench-case.ts')} ${kind}`;
    writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app, sendCrashReports: 'false' }));
    const start = process.hrtime.bigint();
    execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'cdktf'), ['synth', '--output', join(dir, 'out')], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', CI: 'true' },
    });
    return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, maxRssMb: 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = new Map<string, Sample>();
for (const kind of CASES) {
  // Interleaving would be fairer against drift; cases are short, so one warm-up each instead.
  once(kind);
  const samples = Array.from({ length: RUNS }, () => once(kind));
  results.set(kind, { wallMs: median(samples.map((s) => s.wallMs)), maxRssMb: median(samples.map((s) => s.maxRssMb)) });
}

const empty = results.get('empty')!;
const three = results.get('default')!;
const label: Record<string, string> = { empty: 'empty cdktf app', default: 'default fleet (3 sites)', '10': '10-site fleet', '30': '30-site fleet' };
console.log(`median of ${RUNS} runs each, one process per run\n`);
console.log('case                      wall ms   peak MB   wall x empty   mem x empty');
for (const kind of CASES) {
  const r = results.get(kind)!;
  console.log(
    `${label[kind].padEnd(24)}  ${r.wallMs.toFixed(0).padStart(7)}   ${String(r.maxRssMb).padStart(7)}   ${(r.wallMs / empty.wallMs).toFixed(2).padStart(12)}   ${(r.maxRssMb / empty.maxRssMb).toFixed(2).padStart(11)}`,
  );
}
const thirty = results.get('30')!;
console.log(`\n30-site / 3-site: wall ${(thirty.wallMs / three.wallMs).toFixed(2)}x, memory ${(thirty.maxRssMb / three.maxRssMb).toFixed(2)}x`);
console.log('targets: default within 1.5x of empty; 30-site within 2x of 3-site');

const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 3);
const cli = new Map<string, number>();
for (const kind of ['empty', 'default', '30']) {
  throughCli(kind);
  cli.set(kind, median(Array.from({ length: CLI_RUNS }, () => throughCli(kind).wallMs)));
}
console.log(`\nthrough \`cdktf synth\` (median of ${CLI_RUNS}; the CLI's start-up included in every case)`);
console.log('case                      wall ms   wall x empty');
for (const kind of ['empty', 'default', '30']) {
  console.log(`${label[kind].padEnd(24)}  ${cli.get(kind)!.toFixed(0).padStart(7)}   ${(cli.get(kind)! / cli.get('empty')!).toFixed(2).padStart(12)}`);
}
