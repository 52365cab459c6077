import { createHash, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
}

export interface Certificate {
  readonly keys: KeyPair;
  readonly pem: string;
  /** Base64 of the DER encoding, as JWT `x5c` entries carry it. */
  readonly derBase64: string;
  /** Base64url SHA-1 thumbprint, as a JWT `x5t` header carries it. */
  readonly thumbprintSha1: string;
  readonly thumbprintSha256: string;
}

export function generateKeys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

interface CertificateRequest {
  readonly commonName: string;
  readonly keys: KeyPair;
  readonly dnsNames?: string[];
  readonly ipAddresses?: string[];
  readonly isAuthority?: boolean;
  /** Signs with this authority; self-signed when absent. */
  readonly issuer?: Certificate;
  readonly validDays?: number;
}

export function createCertificate(request: CertificateRequest): Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(request.keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + (request.validDays ?? 30) * 24 * 60 * 60 * 1000);
  const subject = [{ name: 'commonName', value: request.commonName }, { name: 'organizationName', value: 'ACR Access emulator' }];
  cert.setSubject(subject);
  const issuerCert = request.issuer ? forge.pki.certificateFromPem(request.issuer.pem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: request.isAuthority ?? false, critical: true },
    request.isAuthority
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0) {
    extensions.push({ name: 'subjectAltName', altNames }, { name: 'extKeyUsage', serverAuth: true, clientAuth: true });
  }
  cert.setExtensions(extensions);
  const signingKey = request.issuer ? request.issuer.keys : request.keys;
  cert.sign(forge.pki.privateKeyFromPem(signingKey.privateKeyPem), forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    keys: request.keys,
    pem: forge.pki.certificateToPem(cert),
    derBase64: der.toString('base64'),
    thumbprintSha1: createHash('sha1').update(der).digest('base64url'),
    thumbprintSha256: createHash('sha256').update(der).digest('base64url'),
  };
}
