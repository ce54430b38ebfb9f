/**
 * One synth, measured from inside its own process: `npm run bench` starts
 * this once per run so module loading counts, as it does for `cdktf synth`.
 * Prints one JSON line: wall time of the whole process so far, peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const started = Number(process.env.BENCH_START_NS ? BigInt(process.env.BENCH_START_NS) / 1_000_000n : 0n);
const kind = process.argv[2];
// Under `cdktf synth` the CLI names the output directory; alone, a temporary one.
const outdir = process.env.CDKTF_OUTDIR ?? mkdtempSync(join(tmpdir(), 'harmony-bench-'));

function run(): void {
  if (kind === 'empty') {
    // The baseline: an empty cdktf app run the same way.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { App, TerraformStack } = require('cdktf') as typeof import('cdktf');
    const app = new App({ outdir });
    new TerraformStack(app, 'empty');
    app.synth();
    return;
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { synthFleet } = require('../lib/synth') as typeof import('../lib/synth');
  const { readIdentities } = require('../lib/identities') as typeof import('../lib/identities');
  const { fleet } = require('../config/fleet') as typeof import('../config/fleet');
  const { generatedFleet } = require('../test/fixtures/fleet') as typeof import('../test/fixtures/fleet');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sites = Number(kind);
  synthFleet(kind === 'default' ? fleet : generatedFleet(sites), readIdentities(), outdir);
}

try {
  run();
} finally {
  if (!process.env.CDKTF_OUTDIR) rmSync(outdir, { recursive: true, force: true });
}
const wallMs = Date.now() - started;
console.log(JSON.stringify({ kind, wallMs, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
