import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its private key, both PEM. */
export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Names a certificate must carry, as DNS names and IP addresses. */
export interface SubjectAltNames {
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
}

const DAY_MS = 86_400_000;

function newCertificate(publicKey: forge.pki.PublicKey, commonName: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive 16-byte serial, as RFC 5280 asks.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

/** forge delegates RSA key generation to Node's native crypto when it can. */
const rsaKeyPair = () => forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });

/** The fleet CA: signs every site certificate; routes and gateways trust only it. */
export function createCa(commonName: string, days = 3650): KeyPairPem {
  const keys = rsaKeyPair();
  const cert = newCertificate(keys.publicKey, commonName, days);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/**
 * A server certificate for routes and gateways: both ends present it, so it
 * carries server and client usage.
 */
export function issueCertificate(ca: KeyPairPem, commonName: string, sans: SubjectAltNames, days = 1095): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = rsaKeyPair();
  const cert = newCertificate(keys.publicKey, commonName, days);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...sans.dnsNames.map((value) => ({ type: 2, value })), ...sans.ips.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}
