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
  /** Set when a `moved` block (or cdktf's moveTo) renamed it: where it was. */
  readonly previous_address?: string;
  readonly type: string;
  readonly mode?: 'managed' | 'data';
  readonly name?: string;
  readonly module_address?: string;
  readonly action_reason?: string;
  /**
   * `actions` in Terraform's order: ["delete", "create"] replaces by
   * destroying first, ["create", "delete"] creates the new one first
   * (create_before_destroy). `importing` is set when an `import` block
   * brings it under management. Values (before/after, their sensitive and
   * unknown markers) are never read.
   */
  readonly change: { readonly actions: readonly string[]; readonly importing?: { readonly id?: string } };
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

/** One listed change: what happens to which address. */
export interface ListedChange {
  readonly address: string;
  readonly kind: ChangeKind;
  /** For a replace: destroy first (the gap Terraform leaves) or create first. */
  readonly order?: 'delete-first' | 'create-first';
  /** Moved from this address (a rename, not a change). */
  readonly from?: string;
  /** Imported into management by this plan. */
  readonly imported?: boolean;
}

export interface StackSummary {
  readonly stack: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Of `add`/`destroy`: replacements (each counts once in both, as in Terraform's own summary). */
  readonly replace: number;
  /** Renamed by a `moved` block: no change to the real object. */
  readonly moved: number;
  /** Brought under management by an `import` block. */
  readonly imported: number;
  readonly changes: readonly ListedChange[];
  readonly warnings: readonly Warning[];
}

/** Counts managed resources the way `terraform plan` does; data sources (read) are not changes. */
export function summarizeStack(stack: string, plan: PlanJson): StackSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  let replace = 0;
  let moved = 0;
  let imported = 0;
  const changes: ListedChange[] = [];
  const warnings: Warning[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    const actions = rc.change?.actions ?? [];
    const kind = changeKind(actions);
    const from = rc.previous_address && rc.previous_address !== rc.address ? rc.previous_address : undefined;
    const importing = rc.change?.importing !== undefined;
    if (from) moved++;
    if (importing) imported++;
    if ((kind === 'no-op' || kind === 'read') && !from && !importing) continue;
    changes.push({
      address: rc.address,
      kind,
      ...(kind === 'replace' ? { order: actions[0] === 'delete' ? 'delete-first' : 'create-first' } : {}),
      ...(from ? { from } : {}),
      ...(importing ? { imported: true } : {}),
    });
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
  return { stack, add, change, destroy, replace, moved, imported, changes, warnings };
}

/** One stack's outcome in CI: a plan, or why there is none. */
export type StackResult =
  | { readonly stack: string; readonly plan: PlanJson; readonly backend?: string }
  | { readonly stack: string; readonly failure: string; readonly backend?: string };

export interface SummaryOptions {
  /** Shown under the title, e.g. the commit planned. */
  readonly subtitle?: string;
  /** Cap on the resources listed per stack; lowered further when the comment would not fit. */
  readonly maxListed?: number;
  /** Where the saved plans and their full JSON are (the workflow run's artifacts). */
  readonly artifactsUrl?: string;
  /**
   * Largest comment, in characters. GitHub refuses a comment over 65,536;
   * the default leaves room for the sticky-comment action's own marker.
   * @default 60000
   */
  readonly maxChars?: number;
}

/** One line of a stack's change list. */
function changeLine(c: ListedChange): string {
  const sign = c.kind === 'delete' || c.kind === 'replace' ? '-' : c.kind === 'create' ? '+' : '!';
  const kind = c.kind === 'no-op' ? (c.from ? 'move' : 'import') : c.kind;
  const notes = [
    c.order === 'delete-first' ? 'destroy first' : c.order === 'create-first' ? 'create first' : '',
    c.from ? `moved from ${c.from}` : '',
    c.imported && c.kind !== 'no-op' ? 'imported' : '',
  ].filter(Boolean);
  return `${sign} ${kind.padEnd(7)} ${c.address}${notes.length ? `  (${notes.join(', ')})` : ''}`;
}

const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The PR comment. Stacks in the order given; it always fits one GitHub comment (maxChars). */
export function renderSummary(results: readonly StackResult[], options: SummaryOptions = {}): string {
  const maxChars = options.maxChars ?? 60_000;
  const summaries = results.map((r) => ('plan' in r ? summarizeStack(r.stack, r.plan) : undefined));
  const head = renderHead(results, summaries, options);
  // The full lists if they fit; else fewer lines per stack, down to none.
  for (let listed = options.maxListed ?? 50; ; listed = listed > 10 ? Math.floor(listed / 2) : listed - 1) {
    const details = renderDetails(results, summaries, Math.max(listed, 0), options.artifactsUrl);
    const text = `${head}${details}\n`;
    if (text.length <= maxChars || listed <= 0) return text.length <= maxChars ? text : `${head.slice(0, maxChars - 200)}\n\n(cut: the summary is longer than one comment; see the artifacts)\n`;
  }
}

function renderHead(results: readonly StackResult[], summaries: readonly (StackSummary | undefined)[], options: SummaryOptions): string {
  const warnings = summaries.flatMap((s) => s?.warnings ?? []);
  const failed = results.filter((r) => 'failure' in r);
  const out: string[] = ['## Terraform plan'];
  if (options.subtitle) out.push('', options.subtitle);
  if (options.artifactsUrl) out.push('', `Saved plans (what \`npm run deploy -- <stack> --plan <dir>\` applies) and their full JSON: [workflow artifacts](${options.artifactsUrl}).`);

  if (warnings.length > 0) {
    out.push('', '> [!CAUTION]', `> **This PR destroys or replaces ${warnings.length} resource${warnings.length === 1 ? '' : 's'} that a rebuild cannot give back.**`);
    out.push('> Do not merge and deploy this unless that is the intent (a DR rebuild, see docs/dr.md).', '>');
    const shown = warnings.slice(0, 50);
    for (const w of shown) out.push(`> - **${w.kind.toUpperCase()}** ${code(w.address)} in \`${w.stack}\`: ${w.what}${w.reason ? ` (Terraform: ${w.reason})` : ''}`);
    if (warnings.length > shown.length) out.push(`> - ... and ${warnings.length - shown.length} more (see the artifacts)`);
  }
  if (failed.length > 0) {
    out.push('', '> [!WARNING]', `> No plan for ${failed.map((f) => `\`${f.stack}\``).join(', ')}: see below and the job log.`);
  }

  out.push('', '| Stack | Add | Change | Destroy | Replace | Move | Import | |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  results.forEach((r, i) => {
    const s = summaries[i];
    if (!s) {
      out.push(`| \`${r.stack}\` | | | | | | | :x: ${cell((r as { failure: string }).failure)} |`);
      return;
    }
    const status = s.warnings.length > 0 ? ':rotating_light: destroys critical resources' : s.changes.length === 0 ? 'no changes' : s.destroy > 0 ? ':warning: destroys' : '';
    out.push(`| \`${r.stack}\` | ${s.add} | ${s.change} | ${s.destroy} | ${s.replace} | ${s.moved} | ${s.imported} | ${status} |`);
  });
  out.push('', "<sub>A replacement counts as one add and one destroy, as in Terraform's own summary.</sub>");

  const local = results.filter((r) => r.backend === 'local').map((r) => `\`${r.stack}\``);
  if (local.length > 0) {
    out.push(
      '',
      `> [!NOTE]\n> ${local.join(', ')} use${local.length === 1 ? 's' : ''} the local backend: CI has no state for ${local.length === 1 ? 'it' : 'them'}, so every resource shows as new. ` +
        'Set `backend` in config/fleet.ts to an S3 bucket (docs/dr.md, "Remote state").',
    );
  }
  return out.join('\n');
}

function renderDetails(results: readonly StackResult[], summaries: readonly (StackSummary | undefined)[], maxListed: number, artifactsUrl?: string): string {
  const out: string[] = [];
  results.forEach((r, i) => {
    const s = summaries[i];
    if (!s || s.changes.length === 0) return;
    out.push('', `<details><summary><code>${r.stack}</code>: ${s.changes.length} change${s.changes.length === 1 ? '' : 's'}</summary>`, '', '```diff');
    for (const c of s.changes.slice(0, maxListed)) out.push(changeLine(c));
    if (s.changes.length > maxListed) out.push(`# ... and ${s.changes.length - maxListed} more (${artifactsUrl ? 'in the artifacts' : 'see the job log'})`);
    out.push('```', '', '</details>');
  });
  return out.join('\n');
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
