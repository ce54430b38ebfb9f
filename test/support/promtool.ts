import { execFile, execFileSync } from 'node:child_process';

/** promtool from Debian's `prometheus` package (2.42 here); PROMTOOL selects another. */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/** promtool's version line; a clear error when it is not installed. */
export function promtoolVersion(): string {
  try {
    return execFileSync(PROMTOOL, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0];
  } catch {
    throw new Error(`promtool not found (tried "${PROMTOOL}"): on Debian \`apt-get install prometheus\`, or set PROMTOOL to the binary`);
  }
}

export interface PromtoolResult {
  /** The exit code; 0 is success. */
  readonly code: number;
  /** stdout and stderr together, as promtool prints its findings on both. */
  readonly output: string;
}

/** Runs promtool with `args` in `cwd`; never throws on a non-zero exit. */
export function promtool(args: readonly string[], cwd: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile(PROMTOOL, [...args], { cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : undefined) : 0;
      if (code === undefined) reject(new Error(`${PROMTOOL} ${args.join(' ')} did not run: ${String(error?.message)}`));
      else resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
