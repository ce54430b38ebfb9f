/**
 * Binary quantities as Kubernetes writes them (`512Mi`, `20Gi`). One parser
 * for PVC sizes, JetStream limits and bucket sizes, so the storage-fit rules
 * compare like with like. Decimal suffixes (`G`) are refused on purpose:
 * Kubernetes reads `G` as 10^9 while NATS reads it as 2^30.
 */
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

// At most 15 digits: every value stays an exact integer (Number.MAX_SAFE_INTEGER has 16).
const QUANTITY = /^(\d{1,15})(Ki|Mi|Gi|Ti)?$/;

/** Bytes in `quantity`, or undefined when it is not a binary quantity. */
export function parseQuantity(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity);
  if (!match) return undefined;
  const value = Number(match[1]) * UNITS[match[2] ?? ''];
  // Past exact integers: larger than anything the fleet allows, which the bounds report.
  return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
}



/** Bytes in `quantity`; throws for a malformed one (validation runs first). */
export function bytes(quantity: string): number {
  const value = parseQuantity(quantity);
  if (value === undefined) throw new Error(`"${quantity}" is not a binary quantity such as 512Mi or 20Gi`);
  return value;
}
