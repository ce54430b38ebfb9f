import { join } from 'node:path';

/**
 * A saved plan is only what was reviewed while nothing under it moved:
 * the same configuration (the commit's tree; CI plans the PR merged into
 * its base, so a merge that changes nothing else has the same tree) and
 * the same state (serial and lineage, which every apply changes). CI writes
 * this record beside each plan; `npm run deploy -- <stack> --plan <dir>`
 * checks it before Terraform does (Terraform refuses a moved state too, as
 * "Saved plan is stale", but not a different configuration).
 */
export interface PlanMeta {
  readonly stack: string;
  readonly commit: string;
  /** `git rev-parse HEAD^{tree}` when planned: the configuration, whatever commit carries it. */
  readonly tree: string;
  /** The state's serial and lineage when planned; null where there was no state yet. */
  readonly serial: number | null;
  readonly lineage: string | null;
}

export interface Observed {
  readonly stack: string;
  readonly commit: string;
  readonly tree: string;
  readonly state: { readonly serial: number; readonly lineage: string } | null;
}

/** The files CI saves per stack in the plans directory. */
export const planFiles = (dir: string, stack: string) => ({
  plan: join(dir, `${stack}.tfplan`),
  json: join(dir, `${stack}.json`),
  meta: join(dir, `${stack}.meta.json`),
});

/** Serial and lineage of `terraform state pull` output; null for no state (it prints nothing). */
export function stateHeader(text: string): { serial: number; lineage: string } | null {
  if (text.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('terraform state pull did not print a state (not JSON)');
  }
  const { serial, lineage } = parsed as { serial?: unknown; lineage?: unknown };
  if (typeof serial !== 'number' || typeof lineage !== 'string') throw new Error('terraform state pull printed a state without serial and lineage');
  return { serial, lineage };
}

/** The record's fields, checked; a clear error naming the file otherwise. */
export function parsePlanMeta(text: string, file: string): PlanMeta {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${file} is not JSON: use the plans directory CI saved (the workflow run's artifacts)`);
  }
  const ok =
    typeof v.stack === 'string' &&
    typeof v.commit === 'string' &&
    typeof v.tree === 'string' &&
    (v.serial === null || typeof v.serial === 'number') &&
    (v.lineage === null || typeof v.lineage === 'string');
  if (!ok) throw new Error(`${file} lacks stack, commit, tree, serial or lineage: use the plans directory CI saved`);
  return v as unknown as PlanMeta;
}

/** Why the saved plan must not be applied now; empty when it still holds. */
export function stalePlanProblems(meta: PlanMeta, now: Observed): string[] {
  const problems: string[] = [];
  if (meta.stack !== now.stack) problems.push(`the plan is for ${meta.stack}, not ${now.stack}`);
  if (meta.tree !== now.tree) {
    problems.push(`the plan was made from commit ${meta.commit.slice(0, 12)}, whose configuration differs from the checked-out ${now.commit.slice(0, 12)}: check out what was planned, or plan again`);
  }
  if (meta.serial === null) {
    if (now.state !== null) problems.push(`the plan was made with no state, and the state now has serial ${now.state.serial}: another apply ran since; plan again`);
  } else if (now.state === null) {
    problems.push(`the plan was made against state serial ${meta.serial}, and there is no state now: plan again`);
  } else {
    if (now.state.lineage !== meta.lineage) problems.push(`the state's lineage changed (${meta.lineage} -> ${now.state.lineage}): a different state; plan again`);
    else if (now.state.serial !== meta.serial) problems.push(`the state moved from serial ${meta.serial} to ${now.state.serial} since the plan: another apply ran; plan again`);
  }
  return problems;
}
