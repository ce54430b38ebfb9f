import { isIP } from 'node:net';
import type { SiteSpec } from '../../config/types';
import { gatewayHosts, siteNamespace } from '../defaults';
import type { SubjectAltNames } from '../pki';
import { HEADLESS_SERVICE } from './names';

/**
 * Names on a site's certificate. Routes dial `nats-<i>.nats-headless`
 * (the chart's route URLs), remote gateways dial the advertise host and the
 * extra hosts; TLS verification checks the dialled name against these.
 */
export function siteCertificateSans(site: SiteSpec): SubjectAltNames {
  const ns = siteNamespace(site);
  const hosts = gatewayHosts(site);
  return {
    dnsNames: [
      `*.${HEADLESS_SERVICE}`,
      `*.${HEADLESS_SERVICE}.${ns}`,
      `*.${HEADLESS_SERVICE}.${ns}.svc`,
      `*.${HEADLESS_SERVICE}.${ns}.svc.cluster.local`,
      ...hosts.filter((h) => isIP(h) === 0),
    ],
    ips: hosts.filter((h) => isIP(h) !== 0),
  };
}

/** SANs for a server of the local supercluster: it is dialled on loopback only. */
export const LOCAL_SANS: SubjectAltNames = { dnsNames: ['localhost'], ips: ['127.0.0.1'] };
