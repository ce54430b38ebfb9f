/**
 * NATS server versions, decided in one place: what the fleet deploys by
 * default, and the oldest line it supports (deployed, or run locally and in
 * the e2e tests).
 */

/** Chart 2.14.2's appVersion: the image `nats:2.14.2-alpine` it deploys unless told otherwise. */
export const DEFAULT_NATS_VERSION = '2.14.2';

/**
 * The oldest server the fleet supports. 2.10 pooled routes, added auth
 * callout and accepts the configuration this project renders; the e2e
 * suite runs on it (Debian trixie's 2.10.27) and on the newest line.
 */
export const MIN_NATS_VERSION = '2.10.0';

export type Version = readonly [number, number, number];

/** `2.14.2` -> [2, 14, 2]; undefined for anything that is not three dot-separated numbers. */
export function parseVersion(text: string): Version | undefined {
  const match = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export const atLeast = (version: Version, min: string): boolean => compareVersions(version, parseVersion(min) as Version) >= 0;

/**
 * Whether this server counts each gateway URL as one meta-group peer at
 * first boot (2.12.10+ in the 2.12 line, 2.14.2+). Older ones resolve a host
 * name and count every address it returns then: a name with three A records
 * counts three, one that does not resolve yet counts none.
 */
export function countsGatewayUrls(version: Version): boolean {
  return atLeast(version, '2.14.2') || (version[0] === 2 && version[1] === 12 && version[2] >= 10);
}
