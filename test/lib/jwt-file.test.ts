import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from 'nkeys.js';
import { jwtFileBeside, readJwtBundle } from '../../lib/jwt-file';

const FIX = 'restore it from git history, or run `npm run keys -- sync` to write it from the store';
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('jwtFileBeside', () => {
  test('config/jwt.json sits beside config/identities.json', () => {
    expect(jwtFileBeside('config/identities.json')).toBe('config/jwt.json');
    expect(jwtFileBeside('/srv/repo/config/identities.json')).toBe('/srv/repo/config/jwt.json');
    expect(jwtFileBeside('identities.json')).toBe('jwt.json');
  });
});

describe('readJwtBundle', () => {
  let dir: string;
  let file: string;
  /** A real nkey seed, made at run time (no seed is ever committed): an error must never show what the file holds. */
  let secret: string;
  beforeEach(() => {
    secret = new TextDecoder().decode(createUser().getSeed());
    dir = mkdtempSync(join(tmpdir(), 'jwt-file-'));
    file = join(dir, 'jwt.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `content`, reads it, and returns the error message (failing if there is none). */
  const errorFor = (content: string): string => {
    writeFileSync(file, content);
    try {
      readJwtBundle(file);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('readJwtBundle accepted the file');
  };
  const expectError = (content: string, problem: string) => {
    const message = errorFor(content);
    expect(message).toBe(`${file}${problem}; ${FIX}`);
    expect(message).not.toContain(secret);
  };

  test('no file: undefined (nkeys mode needs none)', () => {
    expect(readJwtBundle(join(dir, 'absent.json'))).toBeUndefined();
  });

  test('default properties: a well-formed file is returned as it is', () => {
    const bundle = { operator: 'o.p.q', accounts: { SYS: 's.y.s', HARMONY: 'h.a.r' }, users: { agent: ['a.g.t', 'a.g.u'], monitor: [] } };
    writeFileSync(file, JSON.stringify(bundle));
    expect(readJwtBundle(file)).toStrictEqual(bundle);
  });

  test('empty accounts and users are well-formed', () => {
    writeFileSync(file, '{"operator":"","accounts":{},"users":{}}');
    expect(readJwtBundle(file)).toStrictEqual({ operator: '', accounts: {}, users: {} });
  });

  test('not JSON', () => {
    expectError(`{"operator": "${secret}",`, ' is not valid JSON');
    expectError(`${secret}`, ' is not valid JSON');
  });

  test('not an object', () => {
    const problem = ': expected an object { "operator", "accounts", "users" }';
    expectError(`["${secret}"]`, problem);
    expectError('null', problem);
    expectError(`"${secret}"`, problem);
    expectError('42', problem);
  });

  test('operator missing or not a string', () => {
    const problem = ': "operator" must be the operator JWT, a string';
    expectError(`{"accounts": {}, "users": {}, "x": "${secret}"}`, problem);
    expectError(`{"operator": ["${secret}"], "accounts": {}, "users": {}}`, problem);
    expectError(`{"operator": 1, "accounts": {}, "users": {}}`, problem);
  });

  test('accounts or users not an object', () => {
    expectError(`{"operator": "o", "accounts": ["${secret}"], "users": {}}`, ': "accounts" must be an object');
    expectError(`{"operator": "o", "accounts": null, "users": {}}`, ': "accounts" must be an object');
    expectError(`{"operator": "o", "users": {}}`, ': "accounts" must be an object');
    expectError(`{"operator": "o", "accounts": {}, "users": "${secret}"}`, ': "users" must be an object');
    expectError(`{"operator": "o", "accounts": {}, "users": [["${secret}"]]}`, ': "users" must be an object');
    expectError(`{"operator": "o", "accounts": {}}`, ': "users" must be an object');
  });

  test('an account token that is not a string, named by its account', () => {
    expectError(`{"operator": "o", "accounts": {"SYS": "s", "HARMONY": {"seed": "${secret}"}}, "users": {}}`, ': accounts."HARMONY" must be a JWT, a string');
    expectError(`{"operator": "o", "accounts": {"SYS": null}, "users": {}}`, ': accounts."SYS" must be a JWT, a string');
  });

  test('a users entry that is not a list of strings, named by its identity', () => {
    expectError(`{"operator": "o", "accounts": {}, "users": {"agent": ["a"], "monitor": "${secret}"}}`, ': users."monitor" must be a list of JWTs');
    expectError(`{"operator": "o", "accounts": {}, "users": {"agent": ["a", {"seed": "${secret}"}]}}`, ': users."agent" must be a list of JWTs');
    expectError(`{"operator": "o", "accounts": {}, "users": {"agent": [7, "a"]}}`, ': users."agent" must be a list of JWTs');
    expectError(`{"operator": "o", "accounts": {}, "users": {"agent": {"0": "${secret}"}}}`, ': users."agent" must be a list of JWTs');
  });

  test('a callout of two JWT strings is well-formed, returned as it is', () => {
    const bundle = { operator: 'o', accounts: { CALLOUT: 'c.a.l' }, users: {}, callout: { responder: 'r.e.s', bearer: 'b.e.a' } };
    writeFileSync(file, JSON.stringify(bundle));
    expect(readJwtBundle(file)).toStrictEqual(bundle);
  });

  test('a callout that is not { responder, bearer } of strings, named by its field', () => {
    const problem = ': "callout" must be an object { "responder", "bearer" } of JWTs';
    const withCallout = (callout: string) => `{"operator": "o", "accounts": {}, "users": {}, "callout": ${callout}}`;
    expectError(withCallout(`"${secret}"`), problem);
    expectError(withCallout(`["${secret}", "b"]`), problem);
    expectError(withCallout('null'), problem);
    expectError(withCallout(`{"responder": "r"}`), problem);
    expectError(withCallout(`{"bearer": "b", "seed": "${secret}"}`), problem);
    expectError(withCallout(`{"responder": {"seed": "${secret}"}, "bearer": "b"}`), problem);
    expectError(withCallout(`{"responder": "r", "bearer": ["${secret}"]}`), problem);
    expectError(withCallout(`{"responder": "r", "bearer": 7}`), problem);
  });

  test('every message names the file and the fix', () => {
    expect(errorFor('[')).toMatch(new RegExp(`^${escape(file)} is not valid JSON; restore it from git history, or run \`npm run keys -- sync\` to write it from the store$`));
  });
});
