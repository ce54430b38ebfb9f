// Checks of the mgmt host's Nix code that need only `nix-instantiate`
// (no nixpkgs, no network): every file parses, the builtins-only parts
// evaluate, the flake is wired for nixos-anywhere, the example hostFacts
// has the agreed shape, and agenix secret names agree between the module
// and the recipients file.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { backupFacts, kvSnapshotsFacts, monitoringFacts } from '../../lib/monitoring/host-facts';
import { exampleFleet } from '../fixtures/fleet';

const repoRoot = path.resolve(__dirname, '..', '..');
const nixDir = path.join(repoRoot, 'nix');
const exampleFactsPath = path.join(nixDir, 'hosts', 'mgmt', 'host-facts.example.json');

const NIX_MISSING =
  'nix-instantiate was not found on PATH. The nix checks need it: ' +
  'install it with `apt-get install nix-bin` (Debian/Ubuntu) or any Nix installation.';

function hasNixInstantiate(): boolean {
  try {
    execFileSync('nix-instantiate', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const nixAvailable = hasNixInstantiate();

function requireNix(): void {
  if (!nixAvailable) throw new Error(NIX_MISSING);
}

function findNixFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findNixFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.nix')) out.push(full);
  }
  return out.sort();
}

/** Evaluates a Nix expression strictly (no store writes) and parses its JSON. */
function nixEval(expr: string): unknown {
  requireNix();
  const out = execFileSync(
    'nix-instantiate',
    ['--eval', '--strict', '--json', '--readonly-mode', '-E', expr],
    { cwd: repoRoot, stdio: 'pipe', encoding: 'utf8' },
  );
  return JSON.parse(out);
}

/** Like nixEval but expects an evaluation error and returns its message. */
function nixEvalError(expr: string): string {
  requireNix();
  try {
    execFileSync('nix-instantiate', ['--eval', '--strict', '--readonly-mode', '-E', expr], {
      cwd: repoRoot,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
  throw new Error(`expected evaluation of ${expr} to fail`);
}

const nixString = (s: string): string => JSON.stringify(s); // JSON strings are valid Nix strings here
const importFacts = (factsExpr: string): string =>
  `import ${nixString(path.join(nixDir, 'lib', 'facts.nix'))} (${factsExpr})`;
const exampleFactsExpr = `builtins.fromJSON (builtins.readFile ${nixString(exampleFactsPath)})`;

const nixFiles = findNixFiles(nixDir);
const rel = (f: string): string => path.relative(repoRoot, f);

describe('nix: every .nix file parses', () => {
  it('finds the flake and its modules', () => {
    const names = nixFiles.map(rel);
    for (const expected of [
      'nix/flake.nix',
      'nix/hosts/mgmt/default.nix',
      'nix/modules/disko-hetzner.nix',
      'nix/modules/network.nix',
      'nix/modules/sshd.nix',
      'nix/modules/postgresql.nix',
      'nix/modules/lldap.nix',
      'nix/modules/authelia.nix',
      'nix/modules/caddy.nix',
      'nix/modules/secrets.nix',
      'nix/modules/backup.nix',
      'nix/modules/monitoring.nix',
      'nix/modules/kv-snapshot-check.nix',
      'nix/secrets/secrets.nix',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('has nix-instantiate available', () => {
    requireNix();
  });

  it.each(nixFiles.map((f) => [rel(f), f]))('%s parses (nix-instantiate --parse)', (_name, file) => {
    requireNix();
    // Throws (and fails the test with nix's message) on a non-zero exit.
    execFileSync('nix-instantiate', ['--parse', file], { stdio: 'pipe' });
  });
});

describe('nix: flake wiring for nixos-anywhere', () => {
  const flake = fs.readFileSync(path.join(nixDir, 'flake.nix'), 'utf8');

  it('defines nixosConfigurations.mgmt with nixosSystem', () => {
    expect(flake).toMatch(/nixosConfigurations\.mgmt\s*=\s*nixpkgs\.lib\.nixosSystem/);
    expect(flake).toMatch(/system\s*=\s*"x86_64-linux"/);
  });

  it('uses the disko module (config.system.build.diskoScript) and the agenix module', () => {
    expect(flake).toContain('disko.nixosModules.disko');
    expect(flake).toContain('agenix.nixosModules.default');
    expect(flake).toContain('./hosts/mgmt');
  });

  it('makes disko and agenix follow nixpkgs', () => {
    expect(flake).toMatch(/disko\s*=\s*\{[^}]*inputs\.nixpkgs\.follows\s*=\s*"nixpkgs"/);
    expect(flake).toMatch(/agenix\s*=\s*\{[^}]*inputs\.nixpkgs\.follows\s*=\s*"nixpkgs"/);
  });

  it('passes the example facts as the hostFacts specialArg', () => {
    expect(flake).toMatch(/specialArgs\s*=\s*\{\s*hostFacts\s*=/);
    expect(flake).toContain('./hosts/mgmt/host-facts.example.json');
  });
});

describe('nix: example hostFacts', () => {
  const facts = JSON.parse(fs.readFileSync(exampleFactsPath, 'utf8')) as Record<string, unknown>;

  it('has exactly the keys the Terraform side produces', () => {
    expect(Object.keys(facts).sort()).toEqual(
      [
        'hostName',
        'ipv4Address',
        'ipv6Address',
        'ipv6PrefixLength',
        'adminSshKeys',
        'adminCidrs',
        'domains',
        'acmeEmail',
        'backup',
        'monitoring',
        'kvSnapshots',
      ].sort(),
    );
    expect(Object.keys(facts.domains as object).sort()).toEqual(['ldap', 'opsBridge', 'sso']);
  });

  it('backup, monitoring and kvSnapshots are what the Terraform side computes for the example fleet', () => {
    expect(facts.backup).toEqual(backupFacts(exampleFleet.mgmt));
    expect(facts.monitoring).toEqual(JSON.parse(JSON.stringify(monitoringFacts(exampleFleet.mgmt, exampleFleet.sites))));
    expect(facts.kvSnapshots).toEqual(kvSnapshotsFacts(exampleFleet.account.kv.snapshots));
  });

  it('has the expected value types', () => {
    expect(typeof facts.hostName).toBe('string');
    expect(facts.ipv4Address).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
    expect(facts.ipv6Address).toMatch(/:/);
    expect(Number.isInteger(facts.ipv6PrefixLength)).toBe(true);
    expect(typeof facts.acmeEmail).toBe('string');
    for (const cidr of facts.adminCidrs as unknown[]) expect(cidr).toMatch(/^[0-9a-f.:]+\/\d+$/i);
  });

  it('lists well-formed ed25519 public keys (public keys only)', () => {
    const keys = facts.adminSshKeys as string[];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const [type, b64] = key.split(' ');
      expect(type).toBe('ssh-ed25519');
      const blob = Buffer.from(b64, 'base64');
      // SSH wire format: string "ssh-ed25519", string <32-byte key>.
      expect(blob.readUInt32BE(0)).toBe(11);
      expect(blob.subarray(4, 15).toString()).toBe('ssh-ed25519');
      expect(blob.readUInt32BE(15)).toBe(32);
      expect(blob.length).toBe(51);
    }
  });

  it('holds no private key material anywhere under nix/', () => {
    const all = findFiles(nixDir);
    for (const f of all) {
      expect(fs.readFileSync(f, 'utf8')).not.toMatch(/PRIVATE KEY-----|AGE-SECRET-KEY-/);
    }
  });
});

describe('nix: lib/facts.nix (evaluated without nixpkgs)', () => {
  it('derives the org domain, LDAP base DN and CIDR families from the example', () => {
    const derived = nixEval(importFacts(exampleFactsExpr)) as Record<string, unknown>;
    expect(derived.orgDomain).toBe('example.org');
    expect(derived.baseDn).toBe('dc=example,dc=org');
    expect(derived.adminCidrsV4).toEqual(['203.0.113.0/24']);
    expect(derived.adminCidrsV6).toEqual(['2001:db8::/32']);
    expect(derived.problems).toEqual([]);
  });

  it('agrees with the test on the key set', () => {
    const derived = nixEval(importFacts(exampleFactsExpr)) as Record<string, string[]>;
    const facts = JSON.parse(fs.readFileSync(exampleFactsPath, 'utf8')) as Record<string, object>;
    expect(derived.expectedKeys).toEqual(Object.keys(facts).sort());
    expect(derived.expectedDomainKeys).toEqual(Object.keys(facts.domains).sort());
  });

  it('reports broken facts (these become build assertions)', () => {
    const broken =
      `(${exampleFactsExpr}) // { adminSshKeys = [ ]; adminCidrs = [ ]; extra = 1; ` +
      `domains = { sso = "sso.example.org"; ldap = "ldap.other.net"; }; }`;
    const problems = nixEval(`(${importFacts(broken)}).problems`) as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        'unknown keys: extra',
        'missing domains.*: opsBridge',
        expect.stringMatching(/^adminSshKeys is empty/),
        expect.stringMatching(/^adminCidrs is empty/),
        expect.stringMatching(/^domains\.ldap must be under example\.org/),
      ]),
    );
  });

  it('reports a local backup repository and an unknown alert receiver', () => {
    const broken = `(${exampleFactsExpr}) // { backup = { repository = "/var/backup"; onCalendar = "daily"; keep = { daily = 7; }; }; monitoring = { receiver.kind = "pager"; natsTargets = [ ]; }; }`;
    expect(nixEval(`(${importFacts(broken)}).problems`)).toEqual([
      'backup.repository must be an off-host restic repository (s3:, rest:, b2:, azure:, gs:, swift:, sftp:)',
      'backup.keep must give daily, weekly and monthly as integers',
      'monitoring.receiver.kind must be "email" or "webhook"',
      'monitoring.natsTargets and monitoring.gatewayTargets must be lists (empty when no site exists)',
    ]);
  });

  it('reports a missing or local KV snapshot repository', () => {
    const KV_REPOSITORY = "kvSnapshots.repository must be the KV snapshots' restic repository (s3:, rest:, b2:, azure:, gs:, swift:, sftp:)";
    const without = `builtins.removeAttrs (${exampleFactsExpr}) [ "kvSnapshots" ]`;
    expect(nixEval(`(${importFacts(without)}).problems`)).toEqual(['missing keys: kvSnapshots', KV_REPOSITORY]);
    const local = `(${exampleFactsExpr}) // { kvSnapshots.repository = "/var/backup/kv"; }`;
    expect(nixEval(`(${importFacts(local)}).problems`)).toEqual([KV_REPOSITORY]);
  });
});

describe('nix: agenix secrets', () => {
  const modulesDir = path.join(nixDir, 'modules');
  const secretsModule = path.join(modulesDir, 'secrets.nix');
  const recipientsFile = path.join(nixDir, 'secrets', 'secrets.nix');

  // The module only needs these two config values; attrNames does not force the rest.
  const stubConfig =
    '{ services.authelia.instances.main = { user = "authelia-main"; group = "authelia-main"; }; }';
  // lib.optionalAttrs is all it needs of nixpkgs' lib.
  const stubLib = '{ optionalAttrs = cond: attrs: if cond then attrs else { }; }';
  const factsWith = (receiver: string) => `(${exampleFactsExpr}) // { monitoring = (${exampleFactsExpr}).monitoring // { receiver = ${receiver}; }; }`;
  const declaredFor = (facts: string) => `(import ${nixString(secretsModule)} { config = ${stubConfig}; lib = ${stubLib}; hostFacts = ${facts}; }).age.secrets`;
  const declaredExpr = declaredFor(exampleFactsExpr);
  const EMAIL_NO_AUTH = '{ kind = "email"; to = "o@example.org"; from = "a@example.org"; smarthost = "smtp.example.org:587"; }';
  const WEBHOOK = '{ kind = "webhook"; }';
  /** Root reads these: restic runs as root, and systemd hands Alertmanager (a dynamic user) its credential. */
  const READ_BY_ROOT = ['restic-password', 'restic-environment', 'kv-snapshot-restic-password', 'kv-snapshot-restic-environment', 'alertmanager-smtp-password', 'alertmanager-webhook-url'];

  const declaredUnder = (expr: string): string[] => nixEval(`builtins.attrNames ${expr}`) as string[];
  // Every receiver kind together: the recipients file lists the secrets of each.
  const declared = (): string[] => [...new Set([declaredExpr, declaredFor(factsWith(WEBHOOK))].flatMap(declaredUnder))].sort();
  const recipients = (): string[] =>
    nixEval(`builtins.attrNames (import ${nixString(recipientsFile)})`) as string[];

  it('every age.secrets.<name> has "<name>.age" in secrets/secrets.nix, and vice versa', () => {
    const fromModule = declared().map((n) => `${n}.age`).sort();
    expect(fromModule.length).toBeGreaterThan(0);
    expect(recipients().sort()).toEqual(fromModule);
  });

  it('declares age.secrets only in modules/secrets.nix', () => {
    for (const f of findNixFiles(nixDir)) {
      if (f === secretsModule) continue;
      expect({ file: rel(f), declares: /age\.secrets(\.[\w"-]+)?\s*=/.test(fs.readFileSync(f, 'utf8')) }).toEqual({
        file: rel(f),
        declares: false,
      });
    }
  });

  it("only the fleet's receiver kind needs an Alertmanager secret", () => {
    const alertmanager = (expr: string) => declaredUnder(expr).filter((n) => n.startsWith('alertmanager-'));
    expect(alertmanager(declaredExpr)).toEqual(['alertmanager-smtp-password']);
    expect(alertmanager(declaredFor(factsWith(EMAIL_NO_AUTH)))).toEqual([]);
    expect(alertmanager(declaredFor(factsWith(WEBHOOK)))).toEqual(['alertmanager-webhook-url']);
  });

  it('every secret a module reads is declared, and every declared secret is read', () => {
    const names = new Set(declared());
    const used = new Set<string>();
    for (const f of findNixFiles(modulesDir)) {
      const text = fs.readFileSync(f, 'utf8');
      // config.age.secrets.<name> / config.age.secrets."<name>" / secrets."<name>" (let-bound alias)
      for (const m of text.matchAll(/(?:age\.secrets|\bsecrets)\.(?:"([^"]+)"|([A-Za-z_][\w'-]*))\.path/g)) {
        used.add(m[1] ?? m[2]);
      }
    }
    for (const name of used) expect({ name, declared: names.has(name) }).toEqual({ name, declared: true });
    for (const name of names) expect({ name, used: used.has(name) }).toEqual({ name, used: true });
  });

  it('gives every secret an explicit owner, group and mode', () => {
    const meta = nixEval(
      `builtins.mapAttrs (n: s: { inherit (s) owner group mode; }) ${declaredExpr}`,
    ) as Record<string, { owner: string; group: string; mode: string }>;
    for (const [name, s] of Object.entries(meta)) {
      expect({ name, owner: s.owner !== '0' && (s.owner !== 'root' || READ_BY_ROOT.includes(name)) }).toEqual({ name, owner: true });
      expect(s.mode).toMatch(/^0[0-7]{3}$/);
    }
  });

  it('explains a missing .age file instead of failing obscurely', () => {
    const missing = declared().filter((n) => !fs.existsSync(path.join(nixDir, 'secrets', `${n}.age`)));
    if (missing.length === 0) return; // all minted: nothing to check here
    const err = nixEvalError(`${declaredExpr}.${nixString(missing[0])}.file`);
    expect(err).toContain(`nix/secrets/${missing[0]}.age does not exist`);
    expect(err).toContain('agenix -e');
  });
});

function findFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
