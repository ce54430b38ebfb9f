import { fleet } from './config/fleet';
import { identitiesFile, readIdentities } from './lib/identities';
import { FleetValidationError, synthFleet } from './lib/synth';

// cdktf-cli passes the output directory in CDKTF_OUTDIR; plain runs use cdktf.out.
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';

try {
  synthFleet(fleet, readIdentities(identitiesFile()), outdir);
} catch (e) {
  if (e instanceof FleetValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
