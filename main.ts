import { fleet } from './config/fleet';
import { fleetWarnings } from './config/validate';
import { identitiesFile, readIdentities } from './lib/identities';
import { FleetValidationError, synthFleet } from './lib/synth';

// cdktf-cli passes the output directory in CDKTF_OUTDIR; plain runs use cdktf.out.
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';

for (const warning of fleetWarnings(fleet)) console.error(`warning: ${warning}`);

try {
  synthFleet(fleet, readIdentities(identitiesFile()), outdir);
} catch (e) {
  if (e instanceof FleetValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
