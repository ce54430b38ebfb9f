import type { SiteSpec } from './types';
import { parseCidr } from './validate-mgmt';

/** A Secret's name: a DNS subdomain (Kubernetes). */
const SECRET_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** sites[i].websocket: a certificate browsers trust, a port, source ranges that parse. */
export function websocketRules(site: SiteSpec, i: number): { readonly failed: boolean; readonly message: string }[] {
  const ws = site.websocket;
  if (!ws) return [];
  const at = `sites[${i}].websocket`;
  return [
    {
      failed: !SECRET_NAME.test(ws.tlsSecret) || ws.tlsSecret.length > 253,
      message: `${at}.tlsSecret is "${ws.tlsSecret}": not a Secret name; name the kubernetes.io/tls Secret with the certificate browsers trust, e.g. "nats-websocket-tls"`,
    },
    {
      failed: ws.tlsSecret === 'nats-tls',
      message: `${at}.tlsSecret is "nats-tls": that is the site's certificate from the fleet CA, which no browser trusts; use a certificate for the public host name (e.g. from cert-manager)`,
    },
    {
      failed: ws.port !== undefined && !(Number.isInteger(ws.port) && ws.port >= 1 && ws.port <= 65535),
      message: `${at}.port is ${ws.port}: a TCP port is 1-65535; browsers expect 443`,
    },
    ...(ws.sourceRanges ?? []).map((cidr, j) => ({
      failed: parseCidr(cidr) === undefined,
      message: `${at}.sourceRanges[${j}] is "${cidr}": not a CIDR; e.g. "0.0.0.0/0" for every browser, or "198.51.100.0/24"`,
    })),
    {
      failed: ws.sourceRanges !== undefined && ws.sourceRanges.length === 0,
      message: `${at}.sourceRanges is empty: to Kubernetes an empty list is no restriction at all; leave it out to mean every address, or list the ones allowed`,
    },
  ];
}
