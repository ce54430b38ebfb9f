import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { Fleet } from '../config/types';
import { validateFleet } from '../config/validate';
import type { IdentityKeys } from './nats/accounts';
import type { JwtBundle } from './nats/jwt-bundle';
import type { SecretRevisions } from './secrets/revisions';
import { addFleetStacks } from '../stacks/fleet-app';

/** No stale stack may survive a refused synth: a later deploy would pick it up. */
function removeStacks(outdir: string): void {
  rmSync(join(outdir, 'stacks'), { recursive: true, force: true });
  rmSync(join(outdir, 'manifest.json'), { force: true });
}

export class FleetValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The fleet has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FleetValidationError';
  }
}

/** A synthesized stack breaks a guardrail (guardrails/): nothing is written. */
export class GuardrailViolation extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The synthesized stacks break ${problems.length} guardrail${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GuardrailViolation';
  }
}

/** cdktf reports error annotations as one Error; its lines `[construct path] message` are the problems. */
const ANNOTATIONS = /^Encountered Annotations with level "ERROR":/;

/**
 * Validate, then synthesize every stack into `outdir`. A bad fleet
 * synthesizes nothing, and stale stacks from an earlier synth are removed, so
 * no later `cdktf deploy` can pick up output the fleet no longer describes.
 */
export function synthFleet(fleet: Fleet, identities: IdentityKeys, outdir: string, revisions?: SecretRevisions, jwts?: JwtBundle): App {
  const problems = validateFleet(fleet, identities, jwts);
  if (problems.length > 0) {
    removeStacks(outdir);
    throw new FleetValidationError(problems);
  }
  return synthApp(outdir, (app) => addFleetStacks(app, fleet, identities, revisions, jwts));
}

/** Synthesizes the stacks `add` puts in a new app; a guardrail violation writes nothing and throws GuardrailViolation. */
export function synthApp(outdir: string, add: (app: App) => void): App {
  const app = new App({ outdir });
  add(app);
  try {
    app.synth();
  } catch (e) {
    if (!(e instanceof Error) || !ANNOTATIONS.test(e.message)) throw e;
    removeStacks(outdir);
    throw new GuardrailViolation(e.message.split('\n').filter((l) => l.startsWith('[')));
  }
  return app;
}
