import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { Fleet } from '../config/types';
import { validateFleet } from '../config/validate';
import type { IdentityKeys } from './nats/accounts';
import type { SecretRevisions } from './secrets/revisions';
import { addFleetStacks } from '../stacks/fleet-app';

export class FleetValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The fleet has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FleetValidationError';
  }
}

/**
 * Validate, then synthesize every stack into `outdir`. A bad fleet
 * synthesizes nothing, and stale stacks from an earlier synth are removed, so
 * no later `cdktf deploy` can pick up output the fleet no longer describes.
 */
export function synthFleet(fleet: Fleet, identities: IdentityKeys, outdir: string, revisions?: SecretRevisions): App {
  const problems = validateFleet(fleet, identities);
  if (problems.length > 0) {
    rmSync(join(outdir, 'stacks'), { recursive: true, force: true });
    rmSync(join(outdir, 'manifest.json'), { force: true });
    throw new FleetValidationError(problems);
  }
  const app = new App({ outdir });
  addFleetStacks(app, fleet, identities, revisions);
  app.synth();
  return app;
}
