// The apiserver's PKI: a self-signed CA and a serving certificate it signs, kept as PEM files in
// one directory. ECDSA P-256 throughout (WebCrypto + @peculiar/x509).
//
//   dir/ca.crt  ca.key       CN=peapod-ca, 10 years; created once, then only ever read
//   dir/server.crt server.key CN=peapod-apiserver, 1 year; reissued by the CA when missing, not
//                             signed by the current CA, expiring within 30 days, not matching its
//                             key, or lacking a requested SAN (the old SANs are kept)
//
// Keys are written 0600, certificates 0644, each atomically. Call once at startup; two processes
// racing on an empty directory could each write a CA.

import { execFile } from 'node:child_process';
import { X509Certificate as NodeX509, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadX509 } from './x509.ts';
import { readFileIfExists, writeFileAtomic } from './private-file.ts';

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface EnsurePkiOptions {
  /** Extra SANs for the serving certificate: IP addresses or DNS names (detected). */
  hosts?: readonly string[];
  /** Injectable clock for validity checks and new certificates' dates. */
  now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_DAYS = 3650;
const SERVER_DAYS = 365;
const RENEW_BEFORE_DAYS = 30;
const BACKDATE_MS = 60 * 60 * 1000; // tolerate clients whose clocks run a little behind
const KEY_ALG: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_ALG: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const { subtle } = webcrypto;

const execFileAsync = promisify(execFile);

const FILES = { caCert: 'ca.crt', caKey: 'ca.key', serverCert: 'server.crt', serverKey: 'server.key' } as const;

/**
 * Creates or reuses the CA and serving certificate in `dir`; returns all four PEMs. Anything to
 * create is created by a short-lived child process (`pki-child`): the X.509 library and WebCrypto
 * stay loaded for the life of whatever process imports them, ~5 MB of an idle server that made its
 * PKI against one that found it on disk.
 */
export async function ensurePki(dir: string, options: EnsurePkiOptions = {}): Promise<Pki> {
  const now = options.now?.() ?? new Date();
  const wanted = wantedSans(options.hosts);
  const found = await readPki(dir);
  if (usable(found, wanted, now)) return found;
  await inChild(dir, options.hosts ?? [], now);
  const made = await readPki(dir);
  if (!usable(made, wanted, now)) throw new Error(`the certificates written to ${dir} are not usable`);
  return made;
}

/**
 * ensurePki's creating half, run in the child: writes a CA if there is none, and a serving
 * certificate unless the one there is signed by the CA, matches its key, is not about to expire
 * and names every wanted SAN (a reissued one keeps the old SANs).
 */
export async function writePki(dir: string, hosts: readonly string[], now: Date): Promise<void> {
  const wanted = wantedSans(hosts);
  const found = await readPki(dir);
  let ca = found.caCert !== undefined && found.caKey !== undefined ? { cert: found.caCert, key: found.caKey } : undefined;
  if (!ca) {
    ca = await createCa(now);
    await writeFileAtomic(join(dir, FILES.caKey), ca.key, { mode: 0o600 });
    await writeFileAtomic(join(dir, FILES.caCert), ca.cert, { mode: 0o644 });
  }
  const { serverCert, serverKey } = found;
  if (serverCert !== undefined && serverKey !== undefined && serverCertUsable(serverCert, serverKey, ca.cert, wanted, now)) return;
  const previous = serverCert !== undefined ? existingSans(serverCert) : [];
  const server = await createServerCert(ca, sanList([...wanted.map((s) => s.value), ...previous]), now);
  await writeFileAtomic(join(dir, FILES.serverKey), server.key, { mode: 0o600 });
  await writeFileAtomic(join(dir, FILES.serverCert), server.cert, { mode: 0o644 });
}

const wantedSans = (hosts: readonly string[] = []): San[] => sanList(['127.0.0.1', '::1', 'localhost', hostname(), ...hosts]);

async function readPki(dir: string): Promise<Partial<Pki>> {
  const [caCert, caKey, serverCert, serverKey] = await Promise.all(
    [FILES.caCert, FILES.caKey, FILES.serverCert, FILES.serverKey].map((f) => readFileIfExists(join(dir, f))),
  );
  return { caCert, caKey, serverCert, serverKey };
}

function usable(pki: Partial<Pki>, wanted: readonly San[], now: Date): pki is Pki {
  const { caCert, caKey, serverCert, serverKey } = pki;
  return (
    caCert !== undefined &&
    caKey !== undefined &&
    serverCert !== undefined &&
    serverKey !== undefined &&
    serverCertUsable(serverCert, serverKey, caCert, wanted, now)
  );
}

/** Runs writePki in `node pki-child.{js,ts}` (the .ts one through tsx's loader, as bin/peapod.js does). */
async function inChild(dir: string, hosts: readonly string[], now: Date): Promise<void> {
  const source = import.meta.url.endsWith('.ts');
  const child = fileURLToPath(new URL(source ? './pki-child.ts' : './pki-child.js', import.meta.url));
  const args = [...(source ? ['--import', import.meta.resolve('tsx')] : []), child, dir, JSON.stringify({ hosts, now: now.getTime() })];
  try {
    await execFileAsync(process.execPath, args, { timeout: 60_000 });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`creating the certificates in ${dir} failed: ${stderr || (e as Error).message}`);
  }
}

interface San {
  type: 'ip' | 'dns';
  value: string;
}

/** Classifies hosts as IP or DNS, canonicalises them (`[::1]`, `0:0::1` -> `::1`) and de-duplicates. */
function sanList(hosts: readonly string[]): San[] {
  const seen = new Map<string, San>();
  for (const raw of hosts) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (host === '') continue;
    const version = isIP(host);
    const san: San =
      version === 6
        ? { type: 'ip', value: new URL(`http://[${host}]/`).hostname.slice(1, -1) }
        : version === 4
          ? { type: 'ip', value: host }
          : { type: 'dns', value: host.toLowerCase() };
    seen.set(`${san.type}:${san.value}`, san);
  }
  return [...seen.values()];
}

/** The SANs of an existing certificate (Node's `DNS:a, IP Address:b` rendering), or none if unreadable. */
function existingSans(pem: string): string[] {
  try {
    const text = new NodeX509(pem).subjectAltName ?? '';
    return text
      .split(', ')
      .map((part) => /^(?:DNS|IP Address):(.*)$/.exec(part)?.[1])
      .filter((v): v is string => v !== undefined);
  } catch {
    return [];
  }
}

function serverCertUsable(certPem: string, keyPem: string, caPem: string, wanted: readonly San[], now: Date): boolean {
  try {
    const cert = new NodeX509(certPem);
    const ca = new NodeX509(caPem);
    if (!cert.verify(ca.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * DAY_MS <= now.getTime()) return false;
    return wanted.every((san) => (san.type === 'ip' ? cert.checkIP(san.value) !== undefined : cert.checkHost(san.value, { subject: 'never' }) !== undefined));
  } catch {
    return false; // unreadable files are replaced, not fatal
  }
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  return x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function createCa(now: Date): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const keys = await subtle.generateKey(KEY_ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: 'CN=peapod-ca',
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
      signingAlgorithm: SIGN_ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

async function createServerCert(ca: { cert: string; key: string }, sans: readonly San[], now: Date): Promise<{ cert: string; key: string }> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), KEY_ALG, false, ['sign']);
  const keys = await subtle.generateKey(KEY_ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: 'CN=peapod-apiserver',
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + SERVER_DAYS * DAY_MS),
      signingAlgorithm: SIGN_ALG,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(sans.map((s) => ({ type: s.type, value: s.value }))),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
        await x509.AuthorityKeyIdentifierExtension.create(await caCert.publicKey.export(webcrypto), false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}
