import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Loads a synthesized stack with the real Terraform, offline: `terraform
 * init -backend=false` parses every file and reports configuration errors
 * (a `${...}` in `depends_on`, an unknown block, a bad variable) before it
 * downloads anything. Providers come from an empty filesystem mirror and
 * `direct` is excluded for every provider, so the only errors expected on a
 * machine without the registry are the download ones; anything else is a
 * configuration Terraform refuses, and every plan of that stack would stop
 * at the same place.
 */

/** The oldest Terraform the stacks are written for (write-only arguments, ephemeral variables). */
export const MIN_TERRAFORM = [1, 11, 0] as const;

/** Errors that only say "could not download": expected offline, harmless with a registry. */
export const DOWNLOAD_ERRORS: readonly string[] = ['Failed to query available provider packages', 'Failed to download module', 'Failed to install provider'];

export interface TerraformDiagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
}

export interface StackLoad {
  readonly stack: string;
  /** Every error Terraform reported. */
  readonly errors: readonly TerraformDiagnostic[];
  /** The errors that are not download errors: must be empty. */
  readonly configErrors: readonly TerraformDiagnostic[];
}

/** A CLI config that installs providers only from `mirrorDir` and never from the network. */
export const offlineCliConfig = (mirrorDir: string): string =>
  [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path = ${JSON.stringify(mirrorDir)}`,
    '  }',
    '  direct {',
    '    exclude = ["*/*/*"]',
    '  }',
    '}',
    '',
  ].join('\n');

/** The diagnostics of `terraform init -json` output (one JSON object per line). */
export function initDiagnostics(jsonLines: string): TerraformDiagnostic[] {
  const diagnostics: TerraformDiagnostic[] = [];
  for (const line of jsonLines.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { diagnostic?: { severity?: string; summary?: string; detail?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const d = entry.diagnostic;
    if (d) diagnostics.push({ severity: d.severity ?? 'error', summary: d.summary ?? '', detail: d.detail ?? '' });
  }
  return diagnostics;
}

export const isDownloadError = (d: TerraformDiagnostic): boolean => DOWNLOAD_ERRORS.includes(d.summary);

const INSTALL_HINT = 'install Terraform 1.11 or newer (https://developer.hashicorp.com/terraform/install) or set TERRAFORM_BIN';

export const terraformBin = (): string => process.env.TERRAFORM_BIN ?? 'terraform';

/** The installed Terraform's version; a clear error when it is missing or older than MIN_TERRAFORM. */
export function checkTerraform(bin: string = terraformBin()): string {
  const r = spawnSync(bin, ['version', '-json'], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (r.error || r.status !== 0) throw new Error(`terraform not found (tried "${bin}"): ${INSTALL_HINT}`);
  const version = String(JSON.parse(r.stdout).terraform_version ?? '');
  const parts = version.split('.').map(Number);
  const key = (v: readonly number[]) => v[0] * 1e6 + v[1] * 1e3 + v[2];
  if (parts.length < 3 || parts.some(Number.isNaN) || key(parts) < key(MIN_TERRAFORM)) {
    throw new Error(`terraform ${version || '(unknown version)'} is too old: the stacks need ${MIN_TERRAFORM.join('.')} or newer; ${INSTALL_HINT}`);
  }
  return version;
}

/**
 * Runs `terraform init -backend=false` in `stackDir` with nothing downloadable:
 * `workDir` receives the CLI config, the empty mirror and Terraform's data
 * directory, so the stack directory is left as it was. Git is limited to
 * local paths, so a module source fails at once instead of reaching out.
 */
export function loadStackOffline(stackDir: string, workDir: string, bin: string = terraformBin()): StackLoad {
  const stack = basename(stackDir);
  const mirror = join(workDir, 'empty-mirror');
  mkdirSync(mirror, { recursive: true });
  const cliConfig = join(workDir, 'offline.tfrc');
  writeFileSync(cliConfig, offlineCliConfig(mirror));
  const r = spawnSync(bin, ['init', '-backend=false', '-input=false', '-no-color', '-json'], {
    cwd: stackDir,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_DATA_DIR: join(workDir, `${stack}.terraform`),
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      GIT_ALLOW_PROTOCOL: 'file',
      GIT_TERMINAL_PROMPT: '0',
    },
  });
  if (r.error) throw new Error(`terraform did not run in ${stackDir} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): ${INSTALL_HINT}`);
  const errors = initDiagnostics(r.stdout).filter((d) => d.severity === 'error');
  if (r.status !== 0 && errors.length === 0) {
    throw new Error(`terraform init failed in ${stackDir} without a diagnostic (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  }
  return { stack, errors, configErrors: errors.filter((d) => !isDownloadError(d)) };
}
