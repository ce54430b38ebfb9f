import type { Fleet } from './types';

/**
 * The fleet. This is the one file an operator edits: every address below is
 * a documentation address (RFC 5737 / RFC 3849) and every domain is under
 * example.org, so synth works out of the box with no credentials and no
 * network. Public keys of the identities live in `config/identities.json`
 * (written by `npm run keys -- init`).
 */
export const fleet: Fleet = {
  mgmt: {
    name: 'mgmt',
    location: 'fsn1',
    serverType: 'cx23',
    adminSshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINpwqrWTN0R0k3kKzwfHngeqkNqPAJuVDFKwuN0JlDuD admin@example.org'],
    adminCidrs: ['203.0.113.0/24', '2001:db8:1::/48'],
    domains: {
      opsBridge: 'ops.example.org',
      sso: 'sso.example.org',
      ldap: 'ldap.example.org',
    },
    acmeEmail: 'ops@example.org',
    // Off-host: Hetzner Object Storage in another location than the host.
    backup: { repository: 's3:https://nbg1.your-objectstorage.com/example-harmony-backup/mgmt' },
    monitoring: {
      receiver: { kind: 'email', to: 'oncall@example.org', from: 'alerts@example.org', smarthost: 'smtp.example.org:587', username: 'alerts@example.org' },
      // The mgmt host's addresses (the mgmt stack's outputs after its first deploy).
      scrapeFrom: ['203.0.113.10/32', '2001:db8::/64'],
    },
  },
  sites: [
    {
      name: 'site-1',
      kubernetes: { configPath: '~/.kube/site-1.yaml', context: 'site-1' },
      gateway: { advertiseHost: 'nats-gw.site-1.example.org', extraHosts: ['192.0.2.12', '192.0.2.13'] },
      storage: { size: '20Gi' },
    },
    {
      name: 'site-2',
      kubernetes: { configPath: '~/.kube/site-2.yaml', context: 'site-2' },
      gateway: { advertiseHost: 'nats-gw.site-2.example.org', extraHosts: ['198.51.100.22', '198.51.100.23'] },
      storage: { size: '20Gi' },
    },
    {
      name: 'site-3',
      kubernetes: { configPath: '~/.kube/site-3.yaml', context: 'site-3' },
      gateway: { advertiseHost: 'nats-gw.site-3.example.org', extraHosts: ['203.0.113.32', '203.0.113.33'] },
      storage: { size: '20Gi' },
    },
  ],
  account: {
    jetstream: { maxMemory: '0', maxFile: '20Gi', maxStreams: 16, maxConsumers: 256 },
    kv: {
      homeSite: 'site-1',
      replicas: 3,
      mirrorReplicas: 1,
      history: 5,
      maxValueSize: '512Ki',
      maxBytes: '2Gi',
      // Its own repository and password: a site's Kubernetes Secret holds them.
      snapshots: { repository: 's3:https://hel1.your-objectstorage.com/example-harmony-kv-snapshots/harmony' },
    },
  },
};
