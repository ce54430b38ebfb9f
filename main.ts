import { fleet } from './config/fleet';
import { fleetWarnings } from './config/validate';
import { identitiesFile, readIdentities } from './lib/identities';
import { jwtFileBeside, readJwtBundle } from './lib/jwt-file';
import { readRevisions, revisionsBeside } from './lib/secrets/revisions';
import { FleetValidationError, GuardrailViolation, synthFleet } from './lib/synth';

// cdktf-cli passes the output directory in CDKTF_OUTDIR; plain runs use cdktf.out.
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';

/** The committed public inputs beside the fleet; a broken file is a one-line error naming the fix, not a stack trace. */
function readInputs() {
  try {
    const file = identitiesFile();
    return { identities: readIdentities(file), revisions: readRevisions(fleet.sites.map((s) => s.name), revisionsBeside(file)), jwts: readJwtBundle(jwtFileBeside(file)) };
  } catch (e) {
    console.error(`synth: ${(e as Error).message}`);
    return process.exit(1);
  }
}

for (const warning of fleetWarnings(fleet)) console.error(`warning: ${warning}`);

const { identities, revisions, jwts } = readInputs();
try {
  synthFleet(fleet, identities, outdir, revisions, jwts);
} catch (e) {
  if (e instanceof FleetValidationError || e instanceof GuardrailViolation) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
