/**
 * The security settings every Job pod of ours runs with (the KV
 * provisioner, the KV snapshots): as nobody, no privilege escalation, a
 * read-only root filesystem, no capabilities, the runtime's seccomp profile.
 * One place, so a new Job cannot start with less.
 */
const NOBODY = '65534';

/** Pod level: nobody, and files of mounted volumes group-owned by nobody (fsGroup), so Secrets mounted 0440 are readable. */
export const NOBODY_POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: NOBODY,
  runAsGroup: NOBODY,
  fsGroup: NOBODY,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Container level. */
export const HARDENED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
