import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SecretMaterial } from './material';
import { hasKvSnapshotSecrets, kvSnapshotSecretValues, siteBaseValues } from './tf-vars';
import type { siteSecretValues } from './tf-vars';

/**
 * Revision numbers of each site's Kubernetes Secrets, committed beside the
 * public keys and free of anything secret. Terraform never sees a secret's
 * value in a stored attribute (write-only `data_wo`), so it cannot notice
 * a value change by itself: a bumped revision is what makes it rewrite a
 * Secret, and what rolls the NATS pods when the passwords or certificates
 * they read at start change. The keys CLI bumps a revision whenever what
 * that Secret would hold changes (init, sync, rotate, retire), and only
 * then.
 */
export const REVISIONS_FILE = join(__dirname, '..', '..', 'config', 'secret-revisions.json');

/** The revisions always sit beside the public keys they go with (config/identities.json). */
export const revisionsBeside = (identitiesFile: string): string => join(dirname(identitiesFile), 'secret-revisions.json');

/** The Secrets each site stack writes from the store, by Kubernetes name. */
export const SITE_SECRET_NAMES = ['nats-tls', 'nats-auth', 'harmony-agent-nkey', 'harmony-provisioner-nkey', 'harmony-kv-snapshot-nkey', 'harmony-kv-snapshot-restic'] as const;
export type SiteSecretName = (typeof SITE_SECRET_NAMES)[number];

export type SiteRevisions = { readonly [secret in SiteSecretName]: number };
export type SecretRevisions = { readonly [site: string]: SiteRevisions };

/** Which store values each Secret holds (keys of siteSecretValues). */
const SECRET_CONTENT: { readonly [secret in SiteSecretName]: readonly (keyof ReturnType<typeof siteSecretValues>)[] } = {
  'nats-tls': ['tlsCert', 'tlsKey', 'caCert'],
  'nats-auth': ['routePassword', 'gatewayPassword'],
  'harmony-agent-nkey': ['agentSeed'],
  'harmony-provisioner-nkey': ['provisionerSeed'],
  // Written by the home site's stack only (constructs/kv-snapshots.ts); every site keeps a revision, as the home site can move.
  'harmony-kv-snapshot-nkey': ['kvSnapshotSeed'],
  'harmony-kv-snapshot-restic': ['kvSnapshotResticPassword', 'kvSnapshotResticEnv'],
};

/** A digest of what one Secret of one site would hold: compared in memory, never stored or printed. */
function contentDigest(material: SecretMaterial, site: string, secret: SiteSecretName): string | undefined {
  if (!material.sites[site]) return undefined;
  // A store from before the KV snapshots: their Secrets have no content yet (and count as changed once they do).
  const values: Partial<ReturnType<typeof siteSecretValues>> = { ...siteBaseValues(material, site), ...(hasKvSnapshotSecrets(material) ? kvSnapshotSecretValues(material) : {}) };
  if (SECRET_CONTENT[secret].some((k) => !(k in values))) return undefined;
  return createHash('sha256')
    .update(JSON.stringify(SECRET_CONTENT[secret].map((k) => values[k])))
    .digest('hex');
}

/**
 * The revisions after the store went from `before` to `after`: a site new
 * to the store starts every Secret at 1 (or one above what the file had),
 * a Secret whose content changed gets +1, the rest stay; sites gone from
 * the store are dropped. The result's sites and secrets are in name order.
 */
export function nextRevisions(revisions: SecretRevisions, before: SecretMaterial | undefined, after: SecretMaterial): SecretRevisions {
  const sites = Object.keys(after.sites).sort();
  return Object.fromEntries(
    sites.map((site) => {
      const old = revisions[site];
      const entry = Object.fromEntries(
        SITE_SECRET_NAMES.map((secret) => {
          const current = old?.[secret] ?? 0;
          const changed = before === undefined || contentDigest(before, site, secret) !== contentDigest(after, site, secret);
          return [secret, changed || current === 0 ? current + 1 : current];
        }),
      ) as SiteRevisions;
      return [site, entry];
    }),
  );
}

/** Revision 1 of every Secret of every site: a new fleet, and what stacks get when given no file. */
export const firstRevisions = (sites: readonly string[]): SecretRevisions =>
  Object.fromEntries(sites.map((site) => [site, Object.fromEntries(SITE_SECRET_NAMES.map((secret) => [secret, 1])) as SiteRevisions]));

/** What is wrong with the parsed file, or undefined. */
export function revisionsProblem(v: unknown, sites: readonly string[]): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected an object { "<site>": { "<secret>": <revision> } }';
  const byName = v as Record<string, unknown>;
  for (const site of sites) {
    const entry = byName[site];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `site "${site}" has no revisions; run \`npm run keys -- sync\``;
    for (const secret of SITE_SECRET_NAMES) {
      const n = (entry as Record<string, unknown>)[secret];
      if (!Number.isInteger(n) || (n as number) < 1) return `site "${site}": "${secret}" must be a whole number of at least 1`;
    }
  }
  return undefined;
}

/** Reads and checks the revisions of `sites`; a clear error naming the fix otherwise. */
export function readRevisions(sites: readonly string[], file: string = REVISIONS_FILE): SecretRevisions {
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`npm run keys -- sync\` (or \`init\` for a new fleet)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not JSON (${(e as Error).message}); restore it from git history or run \`npm run keys -- sync\``);
  }
  const problem = revisionsProblem(parsed, sites);
  if (problem) throw new Error(`${file}: ${problem}`);
  return parsed as SecretRevisions;
}

/** Reads the file when it exists, for the keys CLI (which may be creating it). */
export const readRevisionsIfAny = (file: string = REVISIONS_FILE): SecretRevisions =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SecretRevisions) : {};

export const revisionsJson = (revisions: SecretRevisions): string => `${JSON.stringify(revisions, null, 2)}\n`;

export function writeRevisions(revisions: SecretRevisions, file: string = REVISIONS_FILE): void {
  writeFileSync(file, revisionsJson(revisions));
}
