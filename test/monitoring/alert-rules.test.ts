import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PromtoolResult } from '../support/promtool';
import { promtool, promtoolVersion } from '../support/promtool';

/*
 * nix/monitoring/alert-rules.yml through the real promtool: `check rules`,
 * then the unit tests in alert-rules.test.yml. Then what promtool does not
 * check: every rule is shown firing and not firing, carries what the on-call
 * needs, and the tests pin it: a threshold, a label filter or a `for` changed
 * in a copy makes promtool's tests fail.
 */

/**
 * js-yaml is already installed (ts-jest's dependency tree, package.json);
 * typed here because @types/js-yaml is not. 3.x names its safe functions
 * safeLoad/safeDump, 4.x load/dump.
 */
const jsYaml = require('js-yaml') as {
  safeLoad?: (text: string) => unknown;
  load: (text: string) => unknown;
  safeDump?: (value: unknown, options?: object) => string;
  dump: (value: unknown, options?: object) => string;
};
const parseYaml = (text: string): unknown => (jsYaml.safeLoad ?? jsYaml.load)(text);
const toYaml = (value: unknown): string => (jsYaml.safeDump ?? jsYaml.dump)(value, { noRefs: true, lineWidth: -1 });

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'nix', 'monitoring');
const RULES_FILE = 'alert-rules.yml';
const TESTS_FILE = 'alert-rules.test.yml';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  expr: string;
  for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleFile {
  readonly groups: { readonly name: string; readonly rules: Rule[] }[];
}
interface AlertCase {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts?: readonly unknown[];
}
interface TestGroup {
  readonly name?: string;
  readonly alert_rule_test?: readonly AlertCase[];
}
interface TestFile {
  readonly rule_files: readonly string[];
  readonly evaluation_interval?: string;
  readonly tests: readonly TestGroup[];
}

const rulesText = readFileSync(join(DIR, RULES_FILE), 'utf8');
const testsText = readFileSync(join(DIR, TESTS_FILE), 'utf8');
const ruleFile = parseYaml(rulesText) as RuleFile;
const testFile = parseYaml(testsText) as TestFile;
const alerts: Rule[] = ruleFile.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const alertNames = alerts.map((r) => r.alert as string);

const failWith = (what: string, output: string) => new Error(`${what} failed:\n${output}`);

/** `5m`, `1h`, `1h30m` in minutes; anything else is refused (the tests' interval is 1m). */
function minutes(duration: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
  if (!m || (m[1] === undefined && m[2] === undefined)) throw new Error(`duration "${duration}" is not in whole minutes or hours`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/**
 * Writes a copy of the rules with `mutate` applied to one alert, and the test
 * groups that assert on that alert (the others cannot notice), and runs
 * `promtool test rules` on them.
 */
async function testMutated(alert: string, mutate: (rule: Rule) => void): Promise<PromtoolResult> {
  const rules = parseYaml(rulesText) as RuleFile;
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`no rule ${alert} in ${RULES_FILE}`);
  mutate(rule);
  const groups = testFile.tests.filter((t) => (t.alert_rule_test ?? []).some((c) => c.alertname === alert));
  const dir = mkdtempSync(join(tmpdir(), 'harmony-rules-mutant-'));
  try {
    writeFileSync(join(dir, RULES_FILE), toYaml(rules));
    writeFileSync(join(dir, TESTS_FILE), toYaml({ ...testFile, tests: groups }));
    return await promtool(['test', 'rules', TESTS_FILE], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Replaces `from` in the rule's expression: its one occurrence, or with
 * `every` each of several (a filter repeated on both sides of a division).
 */
const replaceInExpr = (from: string, to: string, every = false) => (rule: Rule) => {
  const parts = rule.expr.split(from);
  const found = parts.length - 1;
  if (every ? found < 1 : found !== 1) {
    throw new Error(`"${from}" occurs ${found} times in the expression of ${rule.alert}; the mutation needs ${every ? 'at least' : 'exactly'} one`);
  }
  rule.expr = parts.join(to);
};

/** At most `n` of the functions given run at once. */
function pLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= n) return;
    const start = queue.shift();
    if (start) start();
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        active++;
        fn()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}

jest.setTimeout(120_000);

describe('nix/monitoring/alert-rules.yml (real promtool)', () => {
  beforeAll(() => {
    promtoolVersion();
  });

  test('promtool check rules accepts the file', async () => {
    const r = await promtool(['check', 'rules', RULES_FILE], DIR);
    if (r.code !== 0) throw failWith(`promtool check rules ${RULES_FILE}`, r.output);
    expect(r.output).toContain(`SUCCESS: ${ruleFile.groups.flatMap((g) => g.rules).length} rules found`);
  });

  test('promtool test rules passes every case', async () => {
    const r = await promtool(['test', 'rules', TESTS_FILE], DIR);
    if (r.code !== 0) throw failWith(`promtool test rules ${TESTS_FILE}`, r.output);
    expect(r.output).toContain('SUCCESS');
  });

  test('the test file loads exactly the rules file, evaluated every minute', () => {
    expect(testFile.rule_files).toEqual([RULES_FILE]);
    // minutes() and the for-mutations below step by this interval
    expect(testFile.evaluation_interval).toBe('1m');
  });

  test.each(alertNames)('%s: severity, for, summary, description and an existing runbook', (name) => {
    const rule = alerts.find((r) => r.alert === name) as Rule;
    expect(['critical', 'warning']).toContain(rule.labels?.severity);
    expect(minutes(rule.for ?? '')).toBeGreaterThan(0);
    expect(rule.annotations?.summary).toMatch(/\S/);
    expect((rule.annotations?.description ?? '').length).toBeGreaterThan(80);
    const [file, hash] = (rule.annotations?.runbook ?? '').split('#');
    expect(file).toMatch(/^docs\/[\w-]+\.md$/);
    const headings = readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => anchor(l.replace(/^#+ /, '')));
    expect(headings).toContain(hash);
  });

  test('alert names are unique and every tested alert exists', () => {
    expect(new Set(alertNames).size).toBe(alertNames.length);
    const tested = new Set(testFile.tests.flatMap((t) => (t.alert_rule_test ?? []).map((c) => c.alertname)));
    expect([...tested].filter((n) => !alertNames.includes(n))).toEqual([]);
  });

  test('every rule has at least one firing and one non-firing case', () => {
    const cases = testFile.tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing = alertNames.flatMap((name) => {
      const mine = cases.filter((c) => c.alertname === name);
      return [
        ...(mine.some((c) => (c.exp_alerts ?? []).length > 0) ? [] : [`${name}: no firing case`]),
        ...(mine.some((c) => (c.exp_alerts ?? []).length === 0) ? [] : [`${name}: no non-firing case`]),
      ];
    });
    expect(missing).toEqual([]);
  });

  test('the copies the mutations start from pass unchanged', async () => {
    const results = await Promise.all(alertNames.map((name) => testMutated(name, () => undefined)));
    const failed = results.map((r, i) => (r.code === 0 ? undefined : `${alertNames[i]}:\n${r.output}`)).filter(Boolean);
    expect(failed).toEqual([]);
  });

  /*
   * Each mutation must make promtool's tests of that alert fail: the tests
   * sit on both sides of every threshold and depend on every label filter.
   */
  const mutations: [alert: string, from: string, to: string][] = [
    ['HarmonySiteMetricsDown', 'absent(up{job="nats"})', 'absent(up{job="nats-never"})'],
    ['HarmonySiteMetricsDown', 'count by (site) (last_over_time(up{job="nats-gateway-tls"}[10m]))', 'count by (site) (last_over_time(up{job="nats-gateway-never"}[10m]))'],
    ['HarmonyNatsServerMetricsDown', 'unless on (site)', 'unless on (server)'],
    ['HarmonyJetStreamNoMetaLeader', 'meta_leader=""', 'meta_leader!=""'],
    ['HarmonyGatewayDown', ' - 1)', ' - 2)'],
    ['HarmonyGatewayDown', ' - 1)', ' - 0)'],
    ['HarmonyGatewayDown', '(count by (site, server) (up{job="nats"} == 1) * 0)', '(count by (site, server) (up{job="nats"} == 2) * 0)'],
    ['HarmonyGatewayDown', ' or last_over_time(up{job="nats-gateway-tls"}[10m])', ''],
    ['HarmonyGatewayDown', 'count by (site, server, remote_gateway_name)', 'count by (site, server, remote_gateway_name, cid)'],
    ['HarmonyStreamMirrorLagging', '> 100', '> 99'],
    ['HarmonyStreamMirrorLagging', '> 100', '> 101'],
    ['HarmonyStreamMirrorLagging', 'is_stream_leader="true"', 'is_stream_leader=~".*"'],
    ['HarmonyStreamMirrorStalled', '> 60', '> 59'],
    ['HarmonyStreamMirrorStalled', '> 60', '> 61'],
    ['HarmonyStreamMirrorStalled', '== -1', '== -2'],
    ['HarmonyStreamOffline', 'stream_leader=""', 'stream_leader=~".*"'],
    ['HarmonyJetStreamServerStorageHigh', '> 0.8', '> 0.79'],
    ['HarmonyJetStreamServerStorageHigh', '> 0.8', '> 0.81'],
    ['HarmonyJetStreamServerStorageHigh', 'and on (site, server) nats_server_max_storage{job="nats"}', ''],
    ['HarmonyJetStreamAccountStorageHigh', '> 0.8', '> 0.79'],
    ['HarmonyJetStreamAccountStorageHigh', '> 0.8', '> 0.81'],
    ['HarmonyJetStreamAccountStorageHigh', 'max by (account_name)', 'max by (account_name, site)'],
    ['HarmonyCertificateExpiringSoon', '< 21 * 86400', '< 20 * 86400'],
    ['HarmonyCertificateExpiringSoon', '< 21 * 86400', '< 22 * 86400'],
    ['HarmonyCertificateExpiryImminent', '< 7 * 86400', '< 6 * 86400'],
    ['HarmonyCertificateExpiryImminent', '< 7 * 86400', '< 8 * 86400'],
    ['HarmonyGatewayTlsProbeFailed', '(last_over_time(probe_success{job="nats-gateway-tls"}[10m]) == 0)', '(last_over_time(probe_success{job="nats-gateway-tls"}[10m]) == 2)'],
    ['HarmonyGatewayTlsProbeFailed', '(last_over_time(up{job="nats-gateway-tls"}[10m]) == 0)', '(last_over_time(up{job="nats-gateway-tls"}[10m]) == 2)'],
    ['HarmonyBackupTooOld', '> 26', '> 25'],
    ['HarmonyBackupTooOld', '> 26', '> 27'],
    ['HarmonyBackupMetricMissing', 'absent(harmony_backup_last_success_timestamp_seconds{job="node"})', 'absent(up{job="node"})'],
    ['HarmonyKvSnapshotTooOld', '> 26', '> 25'],
    ['HarmonyKvSnapshotTooOld', '> 26', '> 27'],
    ['HarmonyKvSnapshotTooOld', 'harmony_kv_snapshot_last_timestamp_seconds{job="node"}', 'harmony_backup_last_success_timestamp_seconds{job="node"}'],
    ['HarmonyKvSnapshotTooOld', 'job="node"', 'job="nats"'],
    ['HarmonyKvSnapshotMetricMissing', 'absent(harmony_kv_snapshot_last_timestamp_seconds{job="node"})', 'absent(harmony_backup_last_success_timestamp_seconds{job="node"})'],
    ['HarmonyKvSnapshotMetricMissing', 'job="node"', 'job="nats"'],
    ['HarmonyMgmtSystemdUnitFailed', 'state="failed"', 'state=~"failed|active"'],
    ['HarmonyMgmtDiskAlmostFull', '> 0.85', '> 0.84'],
    ['HarmonyMgmtDiskAlmostFull', '> 0.85', '> 0.86'],
    ['HarmonyMgmtDiskAlmostFull', 'unless on (instance, device, mountpoint) node_filesystem_readonly{job="node"} == 1', ''],
    ['HarmonyMgmtDiskFillingUp', '24 * 3600', '12 * 3600'],
    ['HarmonyMgmtDiskFillingUp', '24 * 3600', '48 * 3600'],
    ['HarmonyMgmtDiskFillingUp', 'fstype!~"tmpfs|ramfs|overlay|squashfs"', 'fstype!~"ramfs"'],
    ['HarmonyMonitoringTargetDown', 'job=~"node|prometheus|alertmanager"', 'job=~"node|prometheus"'],
    ['HarmonyMonitoringTargetDown', 'absent(up{job="node"})', 'absent(up{job="prometheus"})'],
  ];

  /** Filters repeated on both sides of a division: changed in every place. */
  const everyPlaceMutations: [alert: string, from: string, to: string][] = [
    ['HarmonyMgmtDiskAlmostFull', 'fstype!~"tmpfs|ramfs|overlay|squashfs"', 'fstype!~"ramfs|overlay|squashfs"'],
    ['HarmonyMgmtDiskAlmostFull', 'fstype!~"tmpfs|ramfs|overlay|squashfs"', 'fstype!~"tmpfs|ramfs|squashfs"'],
  ];
  const forMutations: [alert: string, minutes: number][] = alertNames.flatMap((name) => [[name, -1] as [string, number], [name, 1] as [string, number]]);

  // Every mutant runs once, as many at a time as there are cores; the tests
  // below read the results.
  const outcomes = new Map<string, Promise<PromtoolResult>>();
  const limit = pLimit(Math.max(2, availableParallelism()));
  const run = (key: string, alert: string, mutate: (rule: Rule) => void): Promise<PromtoolResult> => {
    if (!outcomes.has(key)) outcomes.set(key, limit(() => testMutated(alert, mutate)));
    return outcomes.get(key) as Promise<PromtoolResult>;
  };
  const exprKey = (alert: string, from: string, to: string) => `expr ${alert} ${from} -> ${to}`;
  const forKey = (alert: string, delta: number) => `for ${alert} ${delta}`;
  beforeAll(() => {
    for (const [alert, from, to] of mutations) void run(exprKey(alert, from, to), alert, replaceInExpr(from, to)).catch(() => undefined);
    for (const [alert, from, to] of everyPlaceMutations) void run(exprKey(alert, from, to), alert, replaceInExpr(from, to, true)).catch(() => undefined);
    for (const [alert, delta] of forMutations) {
      void run(forKey(alert, delta), alert, (rule) => {
        rule.for = `${minutes(rule.for ?? '') + delta}m`;
      }).catch(() => undefined);
    }
  });

  test('every rule has at least one expression mutation', () => {
    expect(alertNames.filter((n) => !mutations.some(([a]) => a === n))).toEqual([]);
  });

  // Callbacks take exactly the row's arguments: jest passes `done` to a
  // function declaring one more and then waits for it.
  test.each([...mutations, ...everyPlaceMutations])('%s: replacing `%s` with `%s` fails its promtool tests', async (alert, from, to) => {
    const r = await (outcomes.get(exprKey(alert, from, to)) as Promise<PromtoolResult>);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`alertname: ${alert},`);
  });

  test.each(forMutations)('%s: `for` changed by %i minute fails its promtool tests', async (alert, delta) => {
    const r = await (outcomes.get(forKey(alert, delta)) as Promise<PromtoolResult>);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`alertname: ${alert},`);
  });
});
