/**
 * A markdown summary of Terraform plans (the JSON of `terraform show -json
 * <planfile>`) for the PR comment: one table row per stack, and a loud
 * warning for every delete or replace of what a rebuild cannot give back
 * (the management server and its addresses, a site's NATS release,
 * StatefulSet, PVCs, namespace, or a nixos-anywhere reinstall).
 *
 * Only addresses, types and actions are read. A plan's JSON also holds
 * variable values and planned attribute values, sensitive ones included
 * (`sensitive_values` only flags them): none of that is ever read here.
 */

/** The part of the JSON plan format (format_version 1.x) this reads. */
export interface PlanJson {
  readonly format_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly errored?: boolean;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: 'managed' | 'data';
  readonly name?: string;
  readonly module_address?: string;
  readonly action_reason?: string;
  readonly change: { readonly actions: readonly string[] };
}

export type ChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'no-op' | 'forget' | 'other';

export function changeKind(actions: readonly string[]): ChangeKind {
  const a = [...actions].sort().join(',');
  if (a === 'create,delete') return 'replace';
  if (a === 'create') return 'create';
  if (a === 'update') return 'update';
  if (a === 'delete') return 'delete';
  if (a === 'read') return 'read';
  if (a === 'no-op' || a === '') return 'no-op';
  if (a === 'forget') return 'forget';
  return 'other';
}

/** A resource whose loss a rebuild cannot undo. */
export interface Critical {
  readonly what: string;
  readonly matches: (rc: ResourceChange) => boolean;
}

const typeIs = (...types: string[]) => (rc: ResourceChange) => types.includes(rc.type);
const typeStarts = (prefix: string) => (rc: ResourceChange) => rc.type === prefix || rc.type.startsWith(`${prefix}_`);

export const CRITICAL: readonly Critical[] = [
  { what: 'the management server (its disk, PostgreSQL and the nightly dumps go with it)', matches: typeIs('hcloud_server') },
  { what: 'a primary IP (the address is gone for good: DNS, firewalls and known_hosts break)', matches: typeIs('hcloud_primary_ip') },
  {
    what: 'a nixos-anywhere install (it wipes the disk and reinstalls the management host)',
    matches: (rc) => rc.type === 'null_resource' && /(^|\.)module\.install\.null_resource\.nixos-remote$/.test(rc.address),
  },
  { what: "a site's NATS Helm release (the site's servers go away)", matches: typeIs('helm_release') },
  { what: "a site's NATS StatefulSet", matches: typeStarts('kubernetes_stateful_set') },
  { what: "a site's JetStream PVCs (the site's stream data is deleted)", matches: typeStarts('kubernetes_persistent_volume_claim') },
  { what: 'a Kubernetes namespace (everything in it is deleted)', matches: typeStarts('kubernetes_namespace') },
];

export interface Warning {
  readonly stack: string;
  readonly address: string;
  readonly kind: 'delete' | 'replace';
  readonly what: string;
  readonly reason?: string;
}

export interface StackSummary {
  readonly stack: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Of `add`/`destroy`: replacements (each counts once in both, as in Terraform's own summary). */
  readonly replace: number;
  readonly changes: readonly { readonly address: string; readonly kind: ChangeKind }[];
  readonly warnings: readonly Warning[];
}

/** Counts managed resources the way `terraform plan` does; data sources (read) are not changes. */
export function summarizeStack(stack: string, plan: PlanJson): StackSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  let replace = 0;
  const changes: { address: string; kind: ChangeKind }[] = [];
  const warnings: Warning[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    const kind = changeKind(rc.change?.actions ?? []);
    if (kind === 'no-op' || kind === 'read') continue;
    changes.push({ address: rc.address, kind });
    if (kind === 'create') add++;
    else if (kind === 'update') change++;
    else if (kind === 'delete') destroy++;
    else if (kind === 'replace') {
      add++;
      destroy++;
      replace++;
    }
    if (kind === 'delete' || kind === 'replace' || (rc.change?.actions ?? []).includes('delete')) {
      const critical = CRITICAL.find((c) => c.matches(rc));
      if (critical) warnings.push({ stack, address: rc.address, kind: kind === 'replace' ? 'replace' : 'delete', what: critical.what, reason: rc.action_reason });
    }
  }
  return { stack, add, change, destroy, replace, changes, warnings };
}

/** One stack's outcome in CI: a plan, or why there is none. */
export type StackResult =
  | { readonly stack: string; readonly plan: PlanJson; readonly backend?: string }
  | { readonly stack: string; readonly failure: string; readonly backend?: string };

export interface SummaryOptions {
  /** Shown under the title, e.g. the commit planned. */
  readonly subtitle?: string;
  /** Cap on the resources listed per stack (the comment must stay under GitHub's 65536 characters). */
  readonly maxListed?: number;
}

const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The PR comment. Stacks in the order given. */
export function renderSummary(results: readonly StackResult[], options: SummaryOptions = {}): string {
  const maxListed = options.maxListed ?? 50;
  const summaries = results.map((r) => ('plan' in r ? summarizeStack(r.stack, r.plan) : undefined));
  const warnings = summaries.flatMap((s) => s?.warnings ?? []);
  const failed = results.filter((r) => 'failure' in r);
  const out: string[] = ['## Terraform plan'];
  if (options.subtitle) out.push('', options.subtitle);

  if (warnings.length > 0) {
    out.push('', '> [!CAUTION]', `> **This PR destroys or replaces ${warnings.length} resource${warnings.length === 1 ? '' : 's'} that a rebuild cannot give back.**`);
    out.push('> Do not merge and deploy this unless that is the intent (a DR rebuild, see docs/dr.md).', '>');
    for (const w of warnings) {
      out.push(`> - **${w.kind.toUpperCase()}** ${code(w.address)} in \`${w.stack}\`: ${w.what}${w.reason ? ` (Terraform: ${w.reason})` : ''}`);
    }
  }
  if (failed.length > 0) {
    out.push('', '> [!WARNING]', `> No plan for ${failed.map((f) => `\`${f.stack}\``).join(', ')}: see below and the job log.`);
  }

  out.push('', '| Stack | Add | Change | Destroy | Replace | |', '| --- | ---: | ---: | ---: | ---: | --- |');
  results.forEach((r, i) => {
    const s = summaries[i];
    if (!s) {
      out.push(`| \`${r.stack}\` | | | | | :x: ${cell((r as { failure: string }).failure)} |`);
      return;
    }
    const status = s.warnings.length > 0 ? ':rotating_light: destroys critical resources' : s.changes.length === 0 ? 'no changes' : s.destroy > 0 ? ':warning: destroys' : '';
    out.push(`| \`${r.stack}\` | ${s.add} | ${s.change} | ${s.destroy} | ${s.replace} | ${status} |`);
  });
  out.push('', '<sub>A replacement counts as one add and one destroy, as in Terraform\'s own summary.</sub>');

  const local = results.filter((r) => r.backend === 'local').map((r) => `\`${r.stack}\``);
  if (local.length > 0) {
    out.push(
      '',
      `> [!NOTE]\n> ${local.join(', ')} use${local.length === 1 ? 's' : ''} the local backend: CI has no state for ${local.length === 1 ? 'it' : 'them'}, so every resource shows as new. ` +
        'Set `backend` in config/fleet.ts to an S3 bucket (docs/dr.md, "Remote state").',
    );
  }

  results.forEach((r, i) => {
    const s = summaries[i];
    if (!s || s.changes.length === 0) return;
    out.push('', `<details><summary><code>${r.stack}</code>: ${s.changes.length} change${s.changes.length === 1 ? '' : 's'}</summary>`, '', '```diff');
    for (const c of s.changes.slice(0, maxListed)) out.push(`${c.kind === 'delete' || c.kind === 'replace' ? '-' : c.kind === 'create' ? '+' : '!'} ${c.kind.padEnd(7)} ${c.address}`);
    if (s.changes.length > maxListed) out.push(`# ... and ${s.changes.length - maxListed} more (see the job log)`);
    out.push('```', '', '</details>');
  });
  return `${out.join('\n')}\n`;
}

/** Parses `terraform show -json` output, with a message that quotes nothing from it. */
export function parsePlanJson(text: string, what: string): PlanJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON (expected \`terraform show -json <planfile>\` output)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${what} is not a Terraform JSON plan`);
  const plan = parsed as PlanJson;
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) throw new Error(`${what}: resource_changes is not a list`);
  return plan;
}
