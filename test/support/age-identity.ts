import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A throwaway age identity made with the real age-keygen: its file and its public recipient. */
export function ageIdentity(dir: string, name: string): { readonly file: string; readonly recipient: string } {
  const file = join(dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: 'pipe' });
  const recipient = /^# public key: (age1[0-9a-z]+)$/m.exec(readFileSync(file, 'utf8'))![1];
  return { file, recipient };
}
