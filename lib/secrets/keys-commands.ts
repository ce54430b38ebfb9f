import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Fleet, SiteSpec } from '../../config/types';
import { accountName } from '../defaults';
import { IDENTITIES_FILE, readIdentities } from '../identities';
import { jwtFileBeside } from '../jwt-file';
import { siteCertificateSans } from '../nats/certificates';
import type { SubjectAltNames } from '../pki';
import { issueCertificate } from '../pki';
import { IDENTITY_ENV, decrypt, encrypt, readRecipients } from './age';
import { jwtMode, mintJwtFile, printCalloutSecrets, printCreds, retireSigningKey, revokeKey, rotatePushUser, rotateSigningKey, syncJwtSeeds } from './jwt-commands';
import type { SecretMaterial } from './material';
import { currentKey, identityNames, mintMaterial, newIdentityKey, newKvSnapshotSecrets, newSite, publicKeys } from './material';
import { nextRevisions, revisionsBeside, readRevisionsIfAny, writeRevisions } from './revisions';
import { ENV_NAME, RECIPIENTS_FILE, STORE_FILE, deployRecipientsBeside, displayPath, encryptStore, readStore, syncPublicKeys, writeCiphertext } from './store';

/** Where the keys commands read and write, and the fleet they serve. */
export interface KeysContext {
  /** The fleet whose sites and identities the store must cover. */
  readonly fleet: Fleet;
  /** The age-encrypted store. */
  readonly storeFile: string;
  /** age recipients the store is encrypted to. */
  readonly recipientsFile: string;
  /** The public keys synth reads (config/identities.json). */
  readonly identitiesFile: string;
  /**
   * The Secrets' revision numbers synth reads.
   * @default secret-revisions.json beside identitiesFile (config/secret-revisions.json)
   */
  readonly revisionsFile?: string;
  /**
   * The operator's age identity.
   * @default none: commands that decrypt fail and say how to pass one
   */
  readonly identityFile?: string;
  /** Normal output (stdout). */
  readonly out: (line: string) => void;
  /** Warnings and notes (stderr). */
  readonly warn: (line: string) => void;
  /**
   * Names on a site certificate.
   * @default siteCertificateSans (the deployed sites)
   */
  readonly sansFor?: (site: SiteSpec) => SubjectAltNames;
  /**
   * The environment `kv-snapshot-env` reads the repository credentials from.
   * @default none
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The clock in seconds (JWT mode: issue times of new JWTs, revocation times).
   * @default the system clock
   */
  readonly now?: () => number;
}

/** A bad command line: exit status 2. */
export class UsageError extends Error {}

/** Identities whose seed `npm run deploy` hands to Terraform; others reach their service by other means. */
const DEPLOYED_SEEDS = new Set(['agent', 'provisioner', 'kv-snapshot']);
/** sync re-issues a site certificate this close to its expiry. */
const RENEW_BEFORE_DAYS = 30;

const sansOf = (ctx: KeysContext) => ctx.sansFor ?? siteCertificateSans;

/**
 * Refuses unless the operator's identity (when known) decrypts `ciphertext`:
 * refusing before writing beats locking them out of the store they changed.
 */
function assertCanDecrypt(ctx: KeysContext, ciphertext: Buffer): void {
  if (!ctx.identityFile) return;
  try {
    decrypt(ciphertext, ctx.identityFile, displayPath(ctx.storeFile));
  } catch (e) {
    if (!/cannot decrypt/.test((e as Error).message)) throw e;
    throw new Error(
      `your identity ${ctx.identityFile} is not among the recipients in ${displayPath(ctx.recipientsFile)}, so you could not decrypt the result; ` +
        `add your public key (\`age-keygen -y ${ctx.identityFile}\`) there and retry; nothing was written`,
    );
  }
}

const revisionsFileOf = (ctx: KeysContext): string => ctx.revisionsFile ?? revisionsBeside(ctx.identitiesFile);

/** Bumps the revision of every Secret whose content differs between `before` and `after`. */
function saveRevisions(ctx: KeysContext, before: SecretMaterial | undefined, after: SecretMaterial): void {
  const file = revisionsFileOf(ctx);
  writeRevisions(nextRevisions(readRevisionsIfAny(file), before, after), file);
}

/**
 * Encrypts, checks the operator can still decrypt, then writes the store,
 * config/identities.json and the Secrets' revisions (`before` is the store
 * as it was: undefined for a new one). In JWT mode also config/jwt.json,
 * minted first, and reports each token signed anew.
 */
export function save(ctx: KeysContext, material: SecretMaterial, before: SecretMaterial | undefined): void {
  const jwt = jwtMode(ctx) ? mintJwtFile(ctx, material) : undefined;
  const ciphertext = encryptStore(material, ctx.recipientsFile);
  assertCanDecrypt(ctx, ciphertext);
  writeCiphertext(ciphertext, ctx.storeFile);
  syncPublicKeys(material, ctx.identitiesFile);
  saveRevisions(ctx, before, material);
  jwt?.write();
  ctx.warn(
    `wrote ${displayPath(ctx.storeFile)} (encrypted to ${readRecipients(ctx.recipientsFile).length} recipient(s)), ` +
      `${displayPath(ctx.identitiesFile)}${jwt ? `, ${displayPath(jwt.file)}` : ''} and ${displayPath(revisionsFileOf(ctx))}`,
  );
  for (const line of jwt?.changes ?? []) ctx.out(line);
}

/** What to commit after the store changed. */
const committed = (ctx: KeysContext): string =>
  jwtMode(ctx)
    ? `${displayPath(ctx.storeFile)}, ${displayPath(ctx.identitiesFile)} and ${displayPath(jwtFileBeside(ctx.identitiesFile))}`
    : `${displayPath(ctx.storeFile)} and ${displayPath(ctx.identitiesFile)}`;

function knownIdentity(material: SecretMaterial, identity: string): readonly { readonly publicKey: string }[] {
  const keys = material.identities[identity];
  if (!keys) throw new Error(`unknown identity "${identity}"; known: ${Object.keys(material.identities).sort().join(', ')}`);
  return keys;
}

function printPublicKeys(ctx: KeysContext, keys: { readonly [identity: string]: readonly string[] }): void {
  const width = Math.max(0, ...Object.keys(keys).map((k) => k.length));
  for (const name of Object.keys(keys).sort()) {
    const list = keys[name];
    const mark = list.length === 2 ? '  (rotating: old, new)' : '';
    ctx.out(`${name.padEnd(width)}  ${list.join(' ')}${mark}`);
  }
}

/** `init`: mints every secret of the fleet into a new store. */
export function initStore(ctx: KeysContext): SecretMaterial {
  if (existsSync(ctx.storeFile)) {
    throw new Error(
      `${displayPath(ctx.storeFile)} already exists; re-minting would replace every key, password and certificate: ` +
        'use `sync` (add-missing) to add what the fleet gained, or `rotate <identity>` to roll one key',
    );
  }
  // Check recipients and identity before minting: RSA key generation takes a while.
  assertCanDecrypt(ctx, encrypt('{}', ctx.recipientsFile));
  // In JWT mode this includes the operator and account keys.
  const material = mintMaterial(ctx.fleet, sansOf(ctx));
  save(ctx, material, undefined);
  if (!ctx.identityFile) ctx.warn(`note: no identity given (--identity or ${IDENTITY_ENV}), so it was not checked that you can decrypt the new store`);
  ctx.out(`minted a fleet CA (SHA-256 ${new X509Certificate(material.ca.certPem).fingerprint256})`);
  ctx.out(`sites: ${Object.keys(material.sites).sort().join(', ')} (route password and certificate each), one gateway password`);
  ctx.out('identities (public keys):');
  printPublicKeys(ctx, publicKeys(material));
  ctx.out(`commit ${committed(ctx)}`);
  return material;
}

/** SAN entries as comparable strings: `DNS:name` and `IP:canonical address`. */
function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  let text = ip.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

const wantedSans = (sans: SubjectAltNames): string[] => [...sans.dnsNames.map((d) => `DNS:${d}`), ...sans.ips.map((ip) => `IP:${canonicalIp(ip)}`)].sort();

function certificateSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('IP Address:') ? `IP:${canonicalIp(s.slice('IP Address:'.length))}` : s))
    .sort();
}

/** Why a site's certificate must be re-issued, or undefined when it is fine. */
function certificateProblem(material: SecretMaterial, site: SiteSpec, sans: SubjectAltNames): string | undefined {
  const cert = new X509Certificate(material.sites[site.name].cert.certPem);
  if (!cert.verify(new X509Certificate(material.ca.certPem).publicKey)) return "it is not signed by the store's CA";
  if (wantedSans(sans).join(',') !== certificateSans(cert).join(',')) return 'its names no longer match the site (advertise host, extra hosts or namespace changed)';
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_DAYS * 86_400_000) return `it expires ${cert.validTo}`;
  return undefined;
}

/** `sync` (alias `add-missing`): brings the store up to date with the fleet. */
export function syncStore(ctx: KeysContext): SecretMaterial {
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const changes: string[] = [];
  const sites: Record<string, SecretMaterial['sites'][string]> = {};
  for (const site of ctx.fleet.sites) {
    const sans = sansOf(ctx)(site);
    if (!material.sites[site.name]) {
      sites[site.name] = newSite(material.ca, site, sans);
      changes.push(`site ${site.name}: new route password and certificate`);
      continue;
    }
    const problem = certificateProblem(material, site, sans);
    sites[site.name] = problem ? { ...material.sites[site.name], cert: issueCertificate(material.ca, `nats ${site.name}`, sans) } : material.sites[site.name];
    if (problem) changes.push(`site ${site.name}: re-issued its certificate: ${problem}`);
  }
  // Removed from the fleet: drop them (validation rejects public keys of undeclared identities); git history keeps the old store.
  for (const name of Object.keys(material.sites).filter((s) => !ctx.fleet.sites.some((site) => site.name === s))) {
    changes.push(`site ${name}: removed (no longer in the fleet)`);
  }
  const wanted = identityNames(ctx.fleet);
  const identities: Record<string, SecretMaterial['identities'][string]> = {};
  for (const name of wanted) {
    identities[name] = material.identities[name] ?? [newIdentityKey()];
    if (!material.identities[name]) changes.push(`identity ${name}: new key ${identities[name][0].publicKey}`);
  }
  const removed = Object.keys(material.identities).filter((n) => !wanted.includes(n));
  for (const name of removed) changes.push(`identity ${name}: removed (no longer in the fleet)`);
  const kvSnapshots = material.kvSnapshots ?? newKvSnapshotSecrets();
  if (!material.kvSnapshots) changes.push('kv snapshots: new restic repository password (set its credentials with `npm run keys -- kv-snapshot-env`)');
  const jwt = jwtMode(ctx) ? syncJwtSeeds(ctx, material, removed, changes) : material.jwt;
  const updated: SecretMaterial = { ...material, sites, identities, kvSnapshots, ...(jwt ? { jwt } : {}) };
  if (changes.length === 0) {
    // The store stays byte-identical (age output is randomised); only the public keys are re-derived,
    // and in JWT mode the tokens (a service's permissions may have changed: its JWT is re-signed).
    const tokens = jwtMode(ctx) ? mintJwtFile(ctx, material) : undefined;
    syncPublicKeys(material, ctx.identitiesFile);
    saveRevisions(ctx, material, material);
    tokens?.write();
    for (const line of tokens?.changes ?? []) ctx.out(line);
    ctx.out(
      tokens?.changes.length
        ? `${displayPath(ctx.storeFile)} is up to date with the fleet; commit ${displayPath(tokens.file)}, deploy, and give re-signed creds to their holders (\`npm run keys -- creds <identity>\`)`
        : `${displayPath(ctx.storeFile)} is up to date with the fleet`,
    );
    return material;
  }
  save(ctx, updated, material);
  for (const change of changes) ctx.out(change);
  ctx.out(`commit ${committed(ctx)}, then deploy`);
  return updated;
}

/** `rotate <identity>`: step a of ADR-0017's rotation, adding a second key the servers accept alongside the first. */
export function rotateKey(ctx: KeysContext, identity: string): SecretMaterial {
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const keys = knownIdentity(material, identity);
  if (keys.length >= 2) {
    throw new Error(`"${identity}" is already rotating (it has 2 keys); finish the rotation with \`retire ${identity}\` once its clients use the new seed, then rotate again`);
  }
  const key = newIdentityKey();
  const updated: SecretMaterial = { ...material, identities: { ...material.identities, [identity]: [...material.identities[identity], key] } };
  save(ctx, updated, material);
  ctx.out(`${identity}: added ${key.publicKey}; the old key ${keys[0].publicKey} stays valid`);
  ctx.out('next (ADR-0017):');
  ctx.out('  1. commit and deploy: every server accepts both keys');
  const handOut = jwtMode(ctx) ? 'creds' : 'seed';
  ctx.out(
    DEPLOYED_SEEDS.has(identity)
      ? `  2. that deploy also gives ${identity} its new ${handOut}; check every instance reconnected with it`
      : `  2. give ${identity} its new ${handOut} (\`npm run keys -- ${handOut} ${identity}\`) through its secret store and restart it`,
  );
  ctx.out(`  3. once no client uses the old key: \`npm run keys -- retire ${identity}\`, commit and deploy`);
  return updated;
}

/** `retire <identity>`: step c of ADR-0017's rotation, dropping the oldest key. */
export function retireKey(ctx: KeysContext, identity: string): SecretMaterial {
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const keys = knownIdentity(material, identity);
  if (keys.length < 2) throw new Error(`"${identity}" has only one key, nothing to retire; start a rotation with \`rotate ${identity}\``);
  const updated: SecretMaterial = {
    ...material,
    identities: { ...material.identities, [identity]: material.identities[identity].slice(1) },
    ...(jwtMode(ctx) ? { jwt: revokeKey(ctx, material, keys[0].publicKey) } : {}),
  };
  save(ctx, updated, material);
  ctx.out(`${identity}: retired ${keys[0].publicKey}; ${keys[1].publicKey} is its only key`);
  if (jwtMode(ctx)) ctx.out(`${identity}: revoked ${keys[0].publicKey} in account ${accountName(ctx.fleet)}; a client presenting its JWT is refused once this is deployed`);
  ctx.warn(`clients still using the old seed of ${identity} are refused once this is deployed`);
  return updated;
}

/**
 * `kv-snapshot-env NAME[,NAME...]`: restic's backend settings for the KV
 * snapshots' repository (account.kv.snapshots.repository), e.g.
 * `AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY` for `s3:`, read from this
 * process's environment (never from the command line, which other users
 * can see), replacing the ones stored. The home site's stack hands them to
 * the snapshot CronJob at the next deploy.
 */
export function setKvSnapshotEnv(ctx: KeysContext, names: string): SecretMaterial {
  const list = names.split(',').map((n) => n.trim()).filter(Boolean);
  const bad = list.filter((n) => !ENV_NAME.test(n) || n.startsWith('RESTIC_PASSWORD') || n === 'RESTIC_REPOSITORY');
  if (bad.length) {
    throw new UsageError(`not a backend variable: ${bad.join(', ')}; give names like AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY (the repository comes from the fleet, the password from the store)`);
  }
  const missing = list.filter((n) => !ctx.env?.[n]);
  if (missing.length) throw new Error(`${missing.join(', ')} not set in the environment: export them first (e.g. read -rs AWS_SECRET_ACCESS_KEY; export AWS_SECRET_ACCESS_KEY), then run this again`);
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const env = Object.fromEntries(list.map((n) => [n, ctx.env![n]!]));
  const updated: SecretMaterial = { ...material, kvSnapshots: { ...(material.kvSnapshots ?? newKvSnapshotSecrets()), env } };
  save(ctx, updated, material);
  ctx.out(`kv snapshots: stored ${list.join(', ')} for the restic repository; commit, then deploy the home site's stack`);
  return updated;
}

/** `list`: the public keys from config/identities.json; needs no identity. */
export function listKeys(ctx: KeysContext): void {
  const keys = readIdentities(ctx.identitiesFile);
  printPublicKeys(ctx, keys);
  for (const name of identityNames(ctx.fleet).filter((n) => !keys[n])) ctx.out(`${name}  (no key yet: run \`npm run keys -- sync\`)`);
}

/** `seed <identity>`: the current seed of one identity, on explicit request. */
export function printSeed(ctx: KeysContext, identity: string): void {
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const key = currentKey(material, identity);
  ctx.warn(`warning: the next line is the SECRET seed of "${identity}" (${key.publicKey}); do not paste it into a chat, a ticket, a log or a commit`);
  ctx.out(key.seed);
}

/** `reencrypt`: the same material, encrypted to the recipients file as it is now. */
export function reencryptStore(ctx: KeysContext): SecretMaterial {
  const material = readStore(ctx.identityFile, ctx.storeFile);
  save(ctx, material, material);
  ctx.out(`re-encrypted ${displayPath(ctx.storeFile)} to the ${readRecipients(ctx.recipientsFile).length} recipient(s) in ${displayPath(ctx.recipientsFile)}; commit it`);
  ctx.out('a removed recipient can still decrypt older versions from git history: rotate what they could read if that matters');
  return material;
}

export const HOST_KEY_FILES = {
  age: join(__dirname, '..', '..', 'nix', 'secrets', 'ssh_host_ed25519_key.age'),
  pub: join(__dirname, '..', '..', 'nix', 'secrets', 'ssh_host_ed25519_key.pub'),
  recipientsNix: join(__dirname, '..', '..', 'nix', 'secrets', 'secrets.nix'),
};

/**
 * `host-key`: the mgmt host's SSH ed25519 host key. nixos-anywhere places it
 * before first boot (scripts/mgmt-extra-files.sh) and agenix decrypts the
 * host's secrets with it, so it must survive rebuilds: the private half is
 * kept age-encrypted to the operators, the public half goes to
 * nix/secrets/secrets.nix as the `mgmt` recipient.
 */
export function mintHostKey(ctx: KeysContext, files = HOST_KEY_FILES): void {
  const deployers = existsSync(deployRecipientsBeside(ctx.recipientsFile)) ? readRecipients(deployRecipientsBeside(ctx.recipientsFile)) : [];
  const shared = readRecipients(ctx.recipientsFile).filter((r) => deployers.includes(r));
  if (shared.length > 0) {
    throw new Error(
      `${displayPath(ctx.recipientsFile)} lists ${shared.length} key(s) that are also in ${displayPath(deployRecipientsBeside(ctx.recipientsFile))}: ` +
        'the host key goes to operators only, never to an automated deployer; remove them from the operators\' file',
    );
  }
  if (existsSync(files.age)) {
    throw new Error(`${displayPath(files.age)} already exists: a new host key would orphan every agenix secret encrypted to the old one; delete it deliberately first if that is what you want`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'harmony-host-key-'));
  try {
    const keyFile = join(dir, 'key');
    const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${ctx.fleet.mgmt.name}-host`, '-f', keyFile], { encoding: 'utf8' });
    if (keygen.error || keygen.status !== 0) throw new Error('ssh-keygen failed or is not installed (package openssh-client); nothing was written');
    // Operators only, never a deployer's key (deploy-recipients.txt): with this key every agenix secret of the host opens.
    const ciphertext = encrypt(readFileSync(keyFile, 'utf8'), ctx.recipientsFile);
    const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    writeFileSync(files.age, ciphertext);
    writeFileSync(files.pub, publicKey + '\n');
    const nix = readFileSync(files.recipientsNix, 'utf8');
    const updated = nix.replace(/^(\s*mgmt = )"[^"]*";/m, `$1"${publicKey.split(' ').slice(0, 2).join(' ')}";`);
    if (updated !== nix) writeFileSync(files.recipientsNix, updated);
    ctx.out(`wrote ${displayPath(files.age)} (encrypted to ${readRecipients(ctx.recipientsFile).length} recipient(s)) and ${displayPath(files.pub)}`);
    ctx.out(updated !== nix ? `set the mgmt recipient in ${displayPath(files.recipientsNix)}; re-key the agenix secrets: cd nix/secrets && agenix -r` : `add the public key as the mgmt recipient in ${displayPath(files.recipientsNix)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const USAGE = `usage: npm run keys -- <command> [options]

commands:
  init                 mint every secret of the fleet into a new store
  sync                 add what the fleet gained (sites, identities), re-issue stale certificates (alias: add-missing)
  rotate <identity>    add a second key to an identity (ADR-0017 step a)
  retire <identity>    remove the oldest key of an identity (ADR-0017 step c)
  list                 identities and their public keys (no identity needed)
  seed <identity>      print the current SECRET seed of one identity
  reencrypt            encrypt the store again to the current recipients
  kv-snapshot-env <NAME,...>  store restic's backend variables (read from your environment) for the KV snapshots
  host-key             mint the mgmt host's SSH host key (age-encrypted) and set it as agenix recipient

JWT mode (fleet.auth.mode 'jwt'; every command above that saves the store also re-signs config/jwt.json):
  creds <identity>        print the creds file (user JWT and SECRET seed) of one identity
  jwt-rotate-signing-key  add a second signing key to the account and re-sign every user JWT with it
  jwt-retire-signing-key  remove the account's oldest signing key (JWTs it signed stop working)
  callout-secrets         print the auth callout responder's SECRET keys and creds as JSON (fleet.auth.callout)
  jwt-rotate-push-user    a new push user for the full resolver (auth.resolver 'full'), the old one revoked in SYS

options:
  --identity <file>    your age identity (default: $${IDENTITY_ENV})
  --store <path>       the encrypted store (default: secrets/nats.age)
  --recipients <path>  age recipients, one per line (default: secrets/recipients.txt)
  --identities <path>  public keys for synth (default: config/identities.json)`;

/** What the CLI needs from its process. */
export interface CliIo {
  readonly fleet: Fleet;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const COMMANDS: Record<string, { readonly arg?: string; readonly run: (ctx: KeysContext, arg: string) => unknown }> = {
  init: { run: (ctx) => initStore(ctx) },
  sync: { run: (ctx) => syncStore(ctx) },
  'add-missing': { run: (ctx) => syncStore(ctx) },
  rotate: { arg: 'identity', run: (ctx, id) => rotateKey(ctx, id) },
  retire: { arg: 'identity', run: (ctx, id) => retireKey(ctx, id) },
  list: { run: (ctx) => listKeys(ctx) },
  seed: { arg: 'identity', run: (ctx, id) => printSeed(ctx, id) },
  reencrypt: { run: (ctx) => reencryptStore(ctx) },
  'kv-snapshot-env': { arg: 'NAME,...', run: (ctx, names) => setKvSnapshotEnv(ctx, names) },
  'host-key': { run: (ctx) => mintHostKey(ctx) },
  creds: { arg: 'identity', run: (ctx, id) => printCreds(ctx, id) },
  'callout-secrets': { run: (ctx) => printCalloutSecrets(ctx) },
  'jwt-rotate-signing-key': { run: (ctx) => rotateSigningKey(ctx) },
  'jwt-retire-signing-key': { run: (ctx) => retireSigningKey(ctx) },
  'jwt-rotate-push-user': { run: (ctx) => rotatePushUser(ctx) },
};

/** The command to run, or undefined for `--help`. */
function parseCommandLine(argv: readonly string[], io: CliIo): { readonly ctx: KeysContext; readonly command: string; readonly arg: string } | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        identity: { type: 'string' },
        store: { type: 'string' },
        recipients: { type: 'string' },
        identities: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command = '', arg = '', ...rest] = positionals;
  if (values.help || command === 'help') return undefined;
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(command ? `unknown command "${command}"; one of: ${Object.keys(COMMANDS).join(', ')}` : 'no command given; try `npm run keys -- --help`');
  if (spec.arg && !arg) throw new UsageError(`\`${command}\` needs an <${spec.arg}>: npm run keys -- ${command} <${spec.arg}>`);
  if ((spec.arg ? rest : [arg, ...rest]).some((p) => p !== '')) throw new UsageError(`unexpected arguments after \`${command}\``);
  const ctx: KeysContext = {
    fleet: io.fleet,
    storeFile: values.store ? resolve(values.store) : STORE_FILE,
    recipientsFile: values.recipients ? resolve(values.recipients) : RECIPIENTS_FILE,
    identitiesFile: values.identities ? resolve(values.identities) : IDENTITIES_FILE,
    identityFile: values.identity || io.env[IDENTITY_ENV] || undefined,
    env: io.env,
    out: io.out,
    warn: io.err,
  };
  return { ctx, command, arg };
}

/** The keys CLI: 0 ok, 2 usage error, 1 any other error (one line on stderr, prefixed `keys: `). */
export function runCli(argv: readonly string[], io: CliIo): number {
  try {
    const parsed = parseCommandLine(argv, io);
    if (!parsed) io.out(USAGE);
    else COMMANDS[parsed.command].run(parsed.ctx, parsed.arg);
    return 0;
  } catch (e) {
    const message = ((e as Error).message ?? String(e)).replace(/\s*\n\s*/g, ' ');
    io.err(`keys: ${message}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
