import { join } from 'node:path';
import type { ConfDoc } from './conf-format';
import { formatConf } from './conf-format';

/** Where one server of the local supercluster listens and keeps its files. */
export interface LocalPlacement {
  readonly host: string;
  readonly ports: { readonly client: number; readonly cluster: number; readonly gateway: number; readonly monitor: number; readonly websocket: number };
  /** Address other sites dial for this site's gateway. */
  readonly advertise: string;
  readonly storeDir: string;
  /** Directory holding tls.crt, tls.key and ca.crt. */
  readonly tlsDir: string;
}

type Mutable = { [key: string]: unknown };

/**
 * The same server config a pod runs, with only listen addresses, the
 * advertise address and file paths rewritten for loopback. The accounts
 * include keeps its relative path: callers write the config to
 * `<dir>/nats-config/nats.conf` and the accounts to
 * `<dir>/nats-accounts/accounts.conf`, the pod's layout.
 */
export function renderLocalConf(doc: ConfDoc, p: LocalPlacement): string {
  const conf = structuredClone(doc) as Mutable;
  const cluster = conf.cluster as Mutable;
  const gateway = conf.gateway as Mutable;
  const jetstream = conf.jetstream as Mutable;
  const tlsFiles = (tls: unknown) => {
    if (!tls) return;
    Object.assign(tls as Mutable, { cert_file: join(p.tlsDir, 'tls.crt'), key_file: join(p.tlsDir, 'tls.key'), ca_file: join(p.tlsDir, 'ca.crt') });
  };

  conf.host = p.host;
  conf.port = p.ports.client;
  delete conf.http_port;
  conf.http = `${p.host}:${p.ports.monitor}`;
  Object.assign(cluster, { host: p.host, port: p.ports.cluster });
  Object.assign(gateway, { host: p.host, port: p.ports.gateway, advertise: p.advertise });
  tlsFiles(cluster.tls);
  tlsFiles(gateway.tls);
  const websocket = conf.websocket as Mutable | undefined;
  if (websocket) {
    // The site's certificate stands in for the public one; it names the server's loopback address.
    Object.assign(websocket, { host: p.host, port: p.ports.websocket });
    tlsFiles(websocket.tls);
  }
  jetstream.store_dir = p.storeDir;
  // The full resolver's directory sits in the store's, as in the pod (POD_PATHS.resolverDir).
  const resolver = conf.resolver as Mutable | undefined;
  if (resolver) resolver.dir = join(p.storeDir, 'resolver');
  return formatConf(conf as ConfDoc);
}
