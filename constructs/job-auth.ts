/**
 * How natscli in one of our Jobs authenticates as an identity, in the
 * fleet's auth mode. nkeys: `--nkey <seed file>`. JWT: natscli 0.2.4 takes
 * a JWT only inside a creds file (`--creds`, nats/main.go), so the script
 * writes one from the user JWT (public, in the Job's ConfigMap) and the
 * seed (its Secret) into the pod's private /tmp before its first request.
 * Keeping the JWT out of the Secret means re-signing a token (a fleet
 * change, a signing-key rotation) updates a ConfigMap in place, visible in
 * the plan, and never needs a Secret rewritten.
 */
export interface NatsAuthFiles {
  /** The identity's seed, mounted from its Secret. */
  readonly seedFile: string;
  /** JWT mode: the identity's user JWT, mounted from the Job's ConfigMap. @default nkeys mode */
  readonly jwtFile?: string;
}

/**
 * Shell lines to run first, and the natscli flag to pass. The creds file
 * follows nats-io/jwt's FormatUserConfig; whitespace around the JWT and the
 * seed is dropped, as a blank line inside a block breaks the creds parser.
 */
export function natsAuth(identity: string, files: NatsAuthFiles): { readonly setup: readonly string[]; readonly flag: string } {
  if (!files.jwtFile) return { setup: [], flag: `--nkey ${files.seedFile}` };
  const creds = `"\${TMPDIR:-/tmp}/${identity}.creds"`;
  return {
    setup: [
      'umask 077',
      `{ printf -- '-----BEGIN NATS USER JWT-----\\n%s\\n------END NATS USER JWT------\\n\\n' "$(tr -d '[:space:]' < ${files.jwtFile})"; ` +
        `printf -- '-----BEGIN USER NKEY SEED-----\\n%s\\n------END USER NKEY SEED------\\n' "$(tr -d '[:space:]' < ${files.seedFile})"; } > ${creds}`,
    ],
    flag: `--creds ${creds}`,
  };
}
