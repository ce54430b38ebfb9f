import { bytes, parseQuantity } from '../../lib/quantity';

describe('parseQuantity', () => {
  test.each([
    ['0', 0],
    ['512', 512],
    ['1Ki', 1024],
    ['512Mi', 512 * 1024 ** 2],
    ['20Gi', 20 * 1024 ** 3],
    ['1Ti', 1024 ** 4],
  ])('%s is %d bytes', (q, n) => expect(parseQuantity(q)).toBe(n));

  test.each(['20G', '1.5Gi', '-1Gi', 'Gi', '', '20 Gi', '20gi'])('refuses %p', (q) => expect(parseQuantity(q)).toBeUndefined());

  test('bytes throws with the allowed form', () => expect(() => bytes('20G')).toThrow(/binary quantity such as 512Mi or 20Gi/));
});
