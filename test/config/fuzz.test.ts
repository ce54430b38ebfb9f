import fc from 'fast-check';
import type { Fleet } from '../../config/types';
import { validateFleet } from '../../config/validate';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';

/*
 * No input crashes validation: whatever a fleet file holds (a wrong type
 * anywhere, a missing object, a huge number, a hostile string), validation
 * returns problems instead of throwing, and a fleet it accepts has the shape
 * the rest of synth relies on.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Every path to a value in the example fleet. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value && typeof value === 'object') return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

function replaced(value: Json, path: (string | number)[], by: Json): Json {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  // A path through something that is no object any more: it becomes one.
  const base = value !== null && typeof value === 'object' ? value : {};
  const copy = Array.isArray(base) ? [...base] : { ...base };
  (copy as Json)[head] = replaced((base as Json)[head], rest, by);
  return copy;
}

const ALL_PATHS = paths(exampleFleet).filter((p) => p.length > 0);

const hostile = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 2 ** 60),
  fc.string(),
  fc.constantFrom('', ' ', '>', '$JS.>', '../../etc/passwd', '999999999999Ti', 'a\nb', '::', '0.0.0.0/0', 'SUAAAA'),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);

describe('validation never crashes', () => {
  test('any leaf or object of the fleet replaced by anything: problems, never an exception', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_PATHS), hostile, (path, value) => {
        const fleet = replaced(exampleFleet, path, value) as Fleet;
        expect(() => validateFleet(fleet, exampleIdentities)).not.toThrow();
        const problems = validateFleet(fleet, exampleIdentities);
        for (const p of problems) expect(typeof p).toBe('string');
      }),
      { numRuns: 1500, seed: 20261202 },
    );
  });

  test('two fields at once', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_PATHS), hostile, fc.constantFrom(...ALL_PATHS), hostile, (p1, v1, p2, v2) => {
        const fleet = replaced(replaced(exampleFleet, p1, v1), p2, v2) as Fleet;
        expect(() => validateFleet(fleet, exampleIdentities)).not.toThrow();
      }),
      { numRuns: 800, seed: 7 },
    );
  });
});
