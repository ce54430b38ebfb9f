import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fleet } from '../../config/fleet';
import { parseOperateArgs } from '../../lib/operate/deploy-plan';

/*
 * The runbooks are run under stress, copied line by line from a fresh
 * checkout: every command must work as written. These checks read the
 * shell blocks of every document and hold them to that.
 */

const ROOT = join(__dirname, '..', '..');
const DOCS = [...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f)), 'README.md', 'nix/README.md', 'secrets/README.md'];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The shell blocks of a Markdown file, with continuation lines joined. */
function shellBlocks(file: string): string[][] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

const blocks = DOCS.flatMap((file) => shellBlocks(file).map((lines) => ({ file, lines })));

describe('runbook commands', () => {
  test('the documents have shell blocks to check', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  test('every kubectl names its kubeconfig and context (KUBECONFIG of the shell may point anywhere)', () => {
    const bad = blocks.flatMap(({ file, lines }) =>
      lines.filter((l) => /(^|[;&|(]\s*)kubectl\s/.test(l) && !(/--kubeconfig[ =]/.test(l) && /--context[ =]/.test(l))).map((l) => `${file}: ${l}`),
    );
    expect(bad).toEqual([]);
  });

  test('a Terraform state, output, import or apply command comes after init of the same stack, in the same block', () => {
    const bad: string[] = [];
    for (const { file, lines } of blocks) {
      lines.forEach((line, i) => {
        const m = /scripts\/deploy\.ts terraform (\S+) -- (state|output|import|apply|plan|show)\b/.exec(line);
        if (!m) return;
        const initialised = lines.slice(0, i).some((l) => l.includes(`scripts/deploy.ts terraform ${m[1]} -- init`));
        if (!initialised) bad.push(`${file}: ${line}`);
      });
    }
    expect(bad).toEqual([]);
  });

  test('every scripts/deploy.ts command parses, for stacks the fleet has', () => {
    for (const { lines } of blocks) {
      for (const line of lines) {
        const m = /scripts\/deploy\.ts ((?:deploy|plan|terraform|check) (?:nats-site-\d|mgmt)\b.*)$/.exec(line);
        if (!m) continue;
        const argv = m[1].split(/\s+/).slice(0, m[1].includes(' -- ') ? undefined : 2);
        const cut = argv.indexOf('--');
        expect(() => parseOperateArgs(fleet, cut === -1 ? argv : [...argv.slice(0, cut), '--', ...argv.slice(cut + 1)])).not.toThrow();
      }
    }
  });

  test('every npm script a document runs exists', () => {
    const used = blocks.flatMap(({ lines }) => lines.flatMap((l) => [...l.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1])));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((s) => !pkg.scripts[s])).toEqual([]);
  });
});
