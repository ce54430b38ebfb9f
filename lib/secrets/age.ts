import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';

/**
 * The `age` binary (https://age-encryption.org). We shell out to it: the npm
 * `age-encryption` package is ESM-only and does not load under our CommonJS
 * build. Plaintext travels only through the child's stdin and stdout: never
 * argv (visible in `ps`), a temporary file or an error message.
 */
const AGE = (): string => process.env.AGE_BINARY || 'age';

/** Where an operator's identity comes from when `--identity` is not given. */
export const IDENTITY_ENV = 'AGE_IDENTITY_FILE';

const INSTALL_HINT = 'install it with `apt-get install age` (Debian/Ubuntu), `brew install age` or from https://age-encryption.org';
const NO_IDENTITY_HINT =
  `pass --identity <file> or set ${IDENTITY_ENV} to your age identity (a file made by \`age-keygen -o <file>\`, or an ssh-ed25519 private key) ` +
  'whose public key is listed in secrets/recipients.txt';

/** `~/x` as a shell would expand it: an identity path often comes from an environment variable. */
export const expandHome = (path: string): string => (path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);

interface AgeFailure {
  readonly notInstalled: boolean;
  /** age's own first error line. age reports paths and header problems there, never plaintext. */
  readonly message: string;
}

function runAge(args: readonly string[], input: Buffer | string): Buffer | AgeFailure {
  try {
    return execFileSync(AGE(), args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') return { notInstalled: true, message: '' };
    const stderr = err.stderr?.toString('utf8') ?? '';
    const line = stderr.split('\n').find((l) => l.startsWith('age: error:')) ?? stderr.split('\n')[0] ?? '';
    return { notInstalled: false, message: line.replace(/^age: error:\s*/, '').trim() || `exit status ${String((err as { status?: number }).status)}` };
  }
}

const isFailure = (r: Buffer | AgeFailure): r is AgeFailure => !Buffer.isBuffer(r);

/** Recipients listed in a recipients file: one per line, `#` comments and blank lines ignored. */
export function readRecipients(recipientsFile: string): string[] {
  let text: string;
  try {
    text = readFileSync(recipientsFile, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the recipients file ${recipientsFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        'it lists the age public keys the store is encrypted to, one per line (see secrets/README.md)',
    );
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  // A secret key here would be committed; refuse without echoing it.
  if (lines.some((l) => l.startsWith('AGE-SECRET-KEY-'))) {
    throw new Error(`${recipientsFile} holds an AGE-SECRET-KEY: it must list public keys only (\`age-keygen -y <identity>\` prints yours); remove that line and treat the key as leaked`);
  }
  if (lines.length === 0) {
    throw new Error(
      `${recipientsFile} lists no age recipient; add one public key per line (age1... from \`age-keygen -y <identity>\`, or an ssh-ed25519 public key) for every operator who deploys and for CI`,
    );
  }
  return lines;
}

/** ASCII-armoured age ciphertext of `plaintext` for every recipient in the recipients file(s). */
export function encrypt(plaintext: string, recipientsFiles: string | readonly string[]): Buffer {
  const files = typeof recipientsFiles === 'string' ? [recipientsFiles] : recipientsFiles;
  for (const file of files) readRecipients(file);
  const result = runAge(['--encrypt', '--armor', ...files.flatMap((f) => ['-R', f])], plaintext);
  if (!isFailure(result)) return result;
  if (result.notInstalled) throw new Error(`age is not installed (${INSTALL_HINT})`);
  throw new Error(`age could not encrypt to the recipients in ${files.join(' and ')}: ${result.message}; every line must be an age1... or ssh-ed25519/ssh-rsa public key`);
}

/** The plaintext of `ciphertext`, decrypted with the operator's identity file. */
export function decrypt(ciphertext: Buffer, identityFile: string | undefined, what = 'secrets/nats.age'): string {
  if (!identityFile) throw new Error(`no age identity to decrypt ${what}: ${NO_IDENTITY_HINT}`);
  const file = expandHome(identityFile);
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    throw new Error(`cannot read the age identity ${identityFile} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}): ${NO_IDENTITY_HINT}`);
  }
  const result = runAge(['--decrypt', '-i', file], ciphertext);
  if (!isFailure(result)) return result.toString('utf8');
  if (result.notInstalled) throw new Error(`age is not installed (${INSTALL_HINT})`);
  if (/no identity matched/.test(result.message)) {
    throw new Error(
      `the identity ${identityFile} cannot decrypt ${what}: it was encrypted to the recipients in secrets/recipients.txt and yours is not one of them; ` +
        'have an operator who can decrypt add your public key (`age-keygen -y <identity>`) to secrets/recipients.txt and run `npm run keys -- reencrypt`',
    );
  }
  if (result.message.startsWith('reading "')) {
    // age: `reading "<file>": failed to read "<file>": error at line 1: unknown identity type`
    const reason = result.message.split(': ').pop();
    throw new Error(`${identityFile} is not a usable age identity (${reason}): ${NO_IDENTITY_HINT}`);
  }
  if (/header|armor|intro|payload|decrypt/i.test(result.message)) {
    // age quotes the offending bytes of a bad header; they are ciphertext, but keep errors free of file content.
    throw new Error(`${what} is not a valid age file (truncated or edited?); restore it from git history`);
  }
  throw new Error(`age could not decrypt ${what} with the identity ${identityFile}: ${result.message.replace(/"[^"]*"/g, (m) => (m.includes(file) ? m : '"..."'))}`);
}
