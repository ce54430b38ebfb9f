import { LocalBackend, S3Backend } from 'cdktf';
import type { TerraformStack } from 'cdktf';
import type { BackendSpec } from '../config/types';

/**
 * Terraform runs each stack in `cdktf.out/stacks/<stack>/`, three levels
 * below the repo root. A relative path keeps machine paths out of the
 * synthesized JSON (the cdktf default is absolute).
 */
const REPO_ROOT_FROM_STACK = '../../..';

/** One state per stack, so a site's DR rebuild never locks or touches another's. */
export function configureBackend(stack: TerraformStack, stackName: string, spec: BackendSpec | undefined): void {
  if (!spec || spec.type === 'local') {
    new LocalBackend(stack, { path: `${REPO_ROOT_FROM_STACK}/${spec?.dir ?? 'state'}/${stackName}.tfstate` });
    return;
  }
  new S3Backend(stack, {
    bucket: spec.bucket,
    key: `${spec.keyPrefix ?? 'harmony-infra'}/${stackName}.tfstate`,
    region: spec.region,
    endpoints: { s3: spec.endpoint },
    // Hetzner Object Storage (and other S3-compatible stores) are not AWS:
    // skip the AWS-only account, region and checksum calls.
    skipCredentialsValidation: true,
    skipRegionValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
    skipS3Checksum: true,
    usePathStyle: true,
  });
  // Terraform >= 1.10 locks with a lock object beside the state; cdktf 0.21's
  // typed config predates the option.
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
}
