/**
 * `npm run bench`: synth time and peak memory of the default fleet and of
 * generated 10- and 30-site fleets, against an empty cdktf app measured the
 * same way in the same run. Each case runs in a fresh process, several
 * times; the median counts. Ratios are what to compare across machines.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = ['empty', 'default', '10', '30'] as const;

interface Sample {
  readonly wallMs: number;
  readonly maxRssMb: number;
}

function once(kind: string): Sample {
  const start = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), join(__dirname, 'bench-case.ts'), kind], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_START_NS: String(start) },
  });
  const reported = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Sample;
  // Wall time from the parent's view: process start to exit, module loading included.
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, maxRssMb: reported.maxRssMb };
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
