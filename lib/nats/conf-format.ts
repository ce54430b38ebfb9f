/**
 * The NATS config dialect the official Helm chart writes (its
 * `nats.formatConfig` helper): pretty JSON with keys sorted, where a string
 * `"<< X >>"` is emitted raw (variables such as `$NATS_ROUTE_0`, units) and a
 * key ending in `$include` becomes an `include <path>;` directive. Rendering
 * our data the same way locally means the nats.conf the e2e tests run is the
 * one the chart deploys, but for rewritten addresses and paths.
 */
export type ConfValue = string | number | boolean | readonly ConfValue[] | { readonly [key: string]: ConfValue };
export type ConfDoc = { readonly [key: string]: ConfValue };

/** A value emitted unquoted: an environment variable reference. */
export const envRef = (name: string): string => `<< $${name} >>`;

function sortKeys(value: ConfValue): ConfValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const obj = value as { readonly [key: string]: ConfValue };
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortKeys(obj[k])]));
  }
  return value;
}

/** A whole config file, as the chart's ConfigMap holds it. */
export function formatConf(doc: ConfDoc): string {
  const json = JSON.stringify(sortKeys(doc), null, 2);
  return (
    json
      .replace(/".*\$include": "(.*)",?/g, 'include $1;')
      .replace(/"<<\s+(.*?)\s+>>"/g, '$1') + '\n'
  );
}

/**
 * A fragment for `include`: the same entries without the enclosing braces,
 * since an included file is spliced into the including object.
 */
export function formatConfFragment(doc: ConfDoc): string {
  const lines = formatConf(doc).trimEnd().split('\n');
  return (
    lines
      .slice(1, -1)
      .map((line) => line.replace(/^ {2}/, ''))
      .join('\n') + '\n'
  );
}
