import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import forge from 'node-forge';
import { Certificate, createCertificate, generateKeys } from './pki';
import { cacheDir } from './seed';

export function authorityDir(): string {
  return join(cacheDir(), 'emulator-ca');
}

export function authorityCertPath(): string {
  return join(authorityDir(), 'ca.pem');
}

/**
 * The emulator's certificate authority, made once and kept in the cache, so that a process can trust it
 * from its start (NODE_EXTRA_CA_CERTS is read only when Node starts). It signs only loopback certificates.
 */
export async function loadOrCreateAuthority(): Promise<Certificate> {
  const dir = authorityDir();
  if (!existsSync(join(dir, 'ca.pem'))) {
    await mkdir(join(dir, '..'), { recursive: true });
    const keys = generateKeys();
    const authority = createCertificate({ commonName: 'ACR Access emulator CA', keys, isAuthority: true, validDays: 3650 });
    const staging = `${dir}.${randomBytes(4).toString('hex')}`;
    await mkdir(staging, { mode: 0o700 });
    await writeFile(join(staging, 'ca-key.pem'), keys.privateKeyPem, { mode: 0o600 });
    await writeFile(join(staging, 'ca.pem'), authority.pem);
    // Two emulators starting at once: the first rename wins and the other uses its files.
    await rename(staging, dir).catch(() => rm(staging, { recursive: true, force: true }));
  }
  const pem = await readFile(join(dir, 'ca.pem'), 'utf8');
  const privateKeyPem = await readFile(join(dir, 'ca-key.pem'), 'utf8');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(pem))).getBytes(), 'binary');
  const privateKey = createPrivateKey(privateKeyPem);
  return {
    keys: { privateKey, publicKey: createPublicKey(privateKey), privateKeyPem },
    pem,
    derBase64: der.toString('base64'),
    thumbprintSha1: createHash('sha1').update(der).digest('base64url'),
    thumbprintSha256: createHash('sha256').update(der).digest('base64url'),
  };
}
