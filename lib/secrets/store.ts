import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fromSeed } from 'nkeys.js';
import { decrypt, encrypt } from './age';
import type { SecretMaterial } from './material';
import { publicKeys } from './material';

/**
 * The age-encrypted store: JSON of `SecretMaterial`, committed so a DR
 * rebuild gets identical identities. See secrets/README.md.
 */
export const STORE_FILE = join(__dirname, '..', '..', 'secrets', 'nats.age');
/** The operators' age public keys: the store and the mgmt host key are encrypted to them. */
export const RECIPIENTS_FILE = join(__dirname, '..', '..', 'secrets', 'recipients.txt');

/**
 * Optional: keys of automated deployers (a pipeline that applies, behind an
 * approved GitHub Environment). The store is encrypted to them too; the
 * mgmt host key never is (with it every agenix secret of the host opens).
 * Lives beside the operators' file.
 */
export const deployRecipientsBeside = (recipientsFile: string): string => join(dirname(recipientsFile), 'deploy-recipients.txt');

/** The recipient files the store is encrypted to: the operators', plus the deployers' when that file exists. */
export const storeRecipientFiles = (recipientsFile: string = RECIPIENTS_FILE): string[] =>
  existsSync(deployRecipientsBeside(recipientsFile)) ? [recipientsFile, deployRecipientsBeside(recipientsFile)] : [recipientsFile];

/** A path as an operator would type it: relative to where they stand when that is shorter. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

const NKEY_USER = /^U[A-Z2-7]{55}$/;
/** A POSIX environment variable name (restic's backend settings). */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const NKEY_USER_SEED = /^SU[A-Z2-7]{56}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** What is wrong with a certificate/key pair, or undefined. Never quotes the values. */
function keyPairProblem(v: unknown, where: string): string | undefined {
  if (!isObject(v) || !isNonEmptyString(v.certPem) || !isNonEmptyString(v.keyPem)) return `${where} needs certPem and keyPem`;
  try {
    new X509Certificate(v.certPem);
  } catch {
    return `${where}.certPem is not a PEM certificate`;
  }
  if (!/^-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(v.keyPem)) return `${where}.keyPem is not a PEM private key`;
  return undefined;
}

function identityKeyProblem(v: unknown, where: string): string | undefined {
  if (!isObject(v) || typeof v.publicKey !== 'string' || typeof v.seed !== 'string') return `${where} needs publicKey and seed`;
  if (!NKEY_USER.test(v.publicKey)) return `${where}.publicKey is not an nkey user public key`;
  if (!NKEY_USER_SEED.test(v.seed)) return `${where}.seed is not an nkey user seed`;
  try {
    if (fromSeed(new TextEncoder().encode(v.seed)).getPublicKey() !== v.publicKey) return `${where}.seed does not belong to its publicKey`;
  } catch {
    return `${where}.seed is not a valid nkey seed`;
  }
  return undefined;
}

const SIGNER_SEED = { O: /^SO[A-Z2-7]{56}$/, A: /^SA[A-Z2-7]{56}$/ } as const;

/** What is wrong with an operator's or account's seed and signing keys (JWT mode), or undefined. */
function signerProblem(v: unknown, where: string, kind: 'O' | 'A'): string | undefined {
  const what = kind === 'O' ? 'operator' : 'account';
  if (!isObject(v) || !Array.isArray(v.signingKeys) || v.signingKeys.length === 0) return `${where} needs a seed and at least one signing key`;
  for (const [field, seed] of [['seed', v.seed], ...v.signingKeys.map((k, i) => [`signingKeys[${i}]`, k])] as [string, unknown][]) {
    if (typeof seed !== 'string' || !SIGNER_SEED[kind].test(seed)) return `${where}.${field} is not an nkey ${what} seed`;
    try {
      fromSeed(new TextEncoder().encode(seed));
    } catch {
      return `${where}.${field} is not a valid nkey seed`;
    }
  }
  return undefined;
}

/** What is wrong with JWT mode's seeds (SecretMaterial.jwt), or undefined. */
function jwtSeedsProblem(v: unknown): string | undefined {
  if (!isObject(v) || !isObject(v.accounts) || !isObject(v.revocations)) return 'jwt must be an object { operator, accounts, revocations }';
  const operator = signerProblem(v.operator, 'jwt.operator', 'O');
  if (operator) return operator;
  for (const [name, account] of Object.entries(v.accounts)) {
    const problem = signerProblem(account, `jwt.accounts["${name}"]`, 'A');
    if (problem) return problem;
  }
  for (const [key, at] of Object.entries(v.revocations)) {
    if (!NKEY_USER.test(key) || !Number.isInteger(at)) return 'jwt.revocations must map user public keys to a time in unix seconds';
  }
  if (v.resolverPush !== undefined && (typeof v.resolverPush !== 'string' || !SEED_OF.U.test(v.resolverPush))) return 'jwt.resolverPush is not a user seed';
  if (v.systemRevocations !== undefined) {
    if (!isObject(v.systemRevocations)) return 'jwt.systemRevocations must map user public keys to a time in unix seconds';
    for (const [key, at] of Object.entries(v.systemRevocations)) {
      if (!NKEY_USER.test(key) || !Number.isInteger(at)) return 'jwt.systemRevocations must map user public keys to a time in unix seconds';
    }
  }
  return v.callout === undefined ? undefined : calloutSeedsProblem(v.callout);
}

const SEED_OF = { X: /^SX[A-Z2-7]{56}$/, U: /^SU[A-Z2-7]{56}$/, A: /^SA[A-Z2-7]{56}$/ } as const;

/** What is wrong with the auth callout's seeds (SecretMaterial.jwt.callout), or undefined. */
function calloutSeedsProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'jwt.callout must be an object { account, xkey, scope, responder, bearer }';
  const account = signerProblem(v.account, 'jwt.callout.account', 'A');
  if (account) return account;
  const fields = [['xkey', 'X', 'a curve (xkey) seed'], ['scope', 'A', 'an account signing key seed'], ['responder', 'U', 'a user seed'], ['bearer', 'U', 'a user seed']] as const;
  for (const [field, kind, what] of fields) {
    const seed = v[field];
    if (typeof seed !== 'string' || !SEED_OF[kind].test(seed)) return `jwt.callout.${field} is not ${what}`;
  }
  return undefined;
}

/** The first thing that makes `v` not a `SecretMaterial`, or undefined. Messages name fields, never values. */
export function storeProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'expected a JSON object';
  if (v.version !== 1) return 'version must be 1';
  const ca = keyPairProblem(v.ca, 'ca');
  if (ca) return ca;
  if (!isNonEmptyString(v.gatewayPassword)) return 'gatewayPassword must be a non-empty string';
  if (!isObject(v.sites)) return 'sites must be an object of site name to { routePassword, cert }';
  for (const [name, site] of Object.entries(v.sites)) {
    if (!isObject(site) || !isNonEmptyString(site.routePassword)) return `sites["${name}"].routePassword must be a non-empty string`;
    const cert = keyPairProblem(site.cert, `sites["${name}"].cert`);
    if (cert) return cert;
  }
  if (v.kvSnapshots !== undefined) {
    const k = v.kvSnapshots;
    if (!isObject(k) || !isNonEmptyString(k.resticPassword)) return 'kvSnapshots.resticPassword must be a non-empty string';
    if (!isObject(k.env)) return 'kvSnapshots.env must be an object of environment variable name to value';
    for (const [name, value] of Object.entries(k.env)) {
      if (!ENV_NAME.test(name)) return `kvSnapshots.env has "${name}", not an environment variable name`;
      if (typeof value !== 'string') return `kvSnapshots.env["${name}"] must be a string`;
    }
  }
  if (v.jwt !== undefined) {
    const jwt = jwtSeedsProblem(v.jwt);
    if (jwt) return jwt;
  }
  if (!isObject(v.identities)) return 'identities must be an object of identity name to keys';
  for (const [name, keys] of Object.entries(v.identities)) {
    if (!Array.isArray(keys) || keys.length < 1 || keys.length > 2) return `identities["${name}"] must hold 1 key, or 2 during a rotation`;
    for (const [i, key] of keys.entries()) {
      const problem = identityKeyProblem(key, `identities["${name}"][${i}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Decrypts and validates the store. */
export function readStore(identityFile: string | undefined, path: string = STORE_FILE): SecretMaterial {
  const shown = displayPath(path);
  if (!existsSync(path)) throw new Error(`${shown} does not exist: run \`npm run keys -- init\` to mint the fleet's secrets, or restore it from git history`);
  const plaintext = decrypt(readFileSync(path), identityFile, shown);
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    // JSON.parse's message quotes the text around the error: it may be a secret.
    throw new Error(`${shown} is not a valid store: its content is not JSON; restore it from git history`);
  }
  const problem = storeProblem(parsed);
  if (problem) throw new Error(`${shown} is not a valid store: ${problem}; restore it from git history`);
  return parsed as SecretMaterial;
}

/** Sites, identities and JWT accounts in name order, so a decrypted store diffs cleanly. */
function canonical(material: SecretMaterial): SecretMaterial {
  const sorted = <T>(o: { readonly [k: string]: T }) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  return {
    version: 1,
    ca: { certPem: material.ca.certPem, keyPem: material.ca.keyPem },
    gatewayPassword: material.gatewayPassword,
    sites: sorted(material.sites),
    identities: sorted(material.identities),
    ...(material.kvSnapshots ? { kvSnapshots: { resticPassword: material.kvSnapshots.resticPassword, env: sorted(material.kvSnapshots.env) } } : {}),
    ...(material.jwt
      ? {
          jwt: {
            operator: material.jwt.operator,
            accounts: sorted(material.jwt.accounts),
            revocations: sorted(material.jwt.revocations),
            ...(material.jwt.callout ? { callout: material.jwt.callout } : {}),
            ...(material.jwt.resolverPush ? { resolverPush: material.jwt.resolverPush } : {}),
            ...(material.jwt.systemRevocations ? { systemRevocations: sorted(material.jwt.systemRevocations) } : {}),
          },
        }
      : {}),
  };
}

/** The ciphertext `writeStore` would write; lets a caller check it can decrypt it before writing. */
export function encryptStore(material: SecretMaterial, recipientsFile: string = RECIPIENTS_FILE): Buffer {
  // recipientsFile is the operators' file; the deployers' beside it is added when present.
  const problem = storeProblem(material);
  if (problem) throw new Error(`refusing to write an invalid store: ${problem}`);
  return encrypt(`${JSON.stringify(canonical(material), null, 2)}\n`, storeRecipientFiles(recipientsFile));
}

/** Writes ciphertext in place of the store; a rename, so an interrupted write leaves the old store intact. */
export function writeCiphertext(ciphertext: Buffer, path: string = STORE_FILE): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, ciphertext);
  renameSync(tmp, path);
}

/** Encrypts `material` to every recipient in `recipientsFile` and writes the store. */
export function writeStore(material: SecretMaterial, recipientsFile: string = RECIPIENTS_FILE, path: string = STORE_FILE): void {
  writeCiphertext(encryptStore(material, recipientsFile), path);
}

/** The text of config/identities.json for `material`: sorted, 2-space JSON, trailing newline. */
export const publicKeysJson = (material: SecretMaterial): string => `${JSON.stringify(publicKeys(material), null, 2)}\n`;

/** Writes the public half of `material` to config/identities.json, which synth reads. */
export function syncPublicKeys(material: SecretMaterial, identitiesFile: string): void {
  mkdirSync(dirname(identitiesFile), { recursive: true });
  writeFileSync(identitiesFile, publicKeysJson(material));
}
