// @ts-check
/**
 * The drift workflow's last step (actions/github-script): one issue per
 * stack that drifted (or whose check failed), labelled `drift`, titled
 * `Drift: <stack>`, updated in place on the next run; closed with a comment
 * once the stack is clean again. It reads what scripts/ci-drift.sh wrote:
 * `<stack>.drift`, first line `drift|clean|error`, then the plan's text.
 *
 * Plain CommonJS so github-script can require it as it is.
 *
 * @param {{ github: any, context: any, core: any, fs: typeof import('node:fs'), path: typeof import('node:path'), dir: string, runUrl: string }} io
 */
module.exports = async function reportDrift({ github, context, core, fs, path, dir, runUrl }) {
  const { owner, repo } = context.repo;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: 'open', labels: 'drift', per_page: 100 });
  const drifted = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.drift')).sort()) {
    const stack = file.slice(0, -'.drift'.length);
    const [status = 'error', ...lines] = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    const title = `Drift: ${stack}`;
    const existing = open.find((/** @type {{ title: string }} */ i) => i.title === title);
    if (status === 'clean') {
      if (existing) {
        await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: `No drift in \`${stack}\` as of ${runUrl}: closing.` });
        await github.rest.issues.update({ owner, repo, issue_number: existing.number, state: 'closed' });
      }
      continue;
    }
    drifted.push(stack);
    // GitHub caps an issue body at 65,536 characters.
    const output = lines.join('\n').slice(-60_000);
    const body = [
      status === 'drift'
        ? `\`${stack}\` differs from its Terraform state: something changed outside \`npm run deploy\` (a hand edit, a deleted Job or Secret).`
        : `The drift check of \`${stack}\` failed: no answer about drift until it runs again.`,
      '',
      `Found by ${runUrl}. Review it with \`npm run plan -- ${stack}\`, then either deploy to put it back or change the fleet to match.`,
      '',
      '```',
      output,
      '```',
    ].join('\n');
    if (existing) await github.rest.issues.update({ owner, repo, issue_number: existing.number, body });
    else await github.rest.issues.create({ owner, repo, title, body, labels: ['drift'] });
  }
  core.setOutput('drifted', drifted.join(','));
  return drifted;
};
