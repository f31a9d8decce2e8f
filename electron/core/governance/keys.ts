// The gateway's Ed25519 key pair: signs intent tokens and audit chain heads. Generated on first
// start in <dataDir>/keys/; the private key file is mode 0600 (owner read/write only).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface GatewayKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** First 16 hex of SHA-256 of the public key (SPKI DER): names the key in tokens and heads. */
  keyId: string;
  dir: string;
}

export const PRIVATE_KEY_FILE = 'gateway-ed25519.pem';
export const PUBLIC_KEY_FILE = 'gateway-ed25519.pub.pem';

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Load the key pair from dir, creating it on first use. */
export function loadOrCreateKeys(dir: string): GatewayKeys {
  const privFile = path.join(dir, PRIVATE_KEY_FILE);
  const pubFile = path.join(dir, PUBLIC_KEY_FILE);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(privFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': if another process created it a moment ago, keep theirs.
      fs.writeFileSync(privFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  // The umask may have widened the mode of an older file; the private key stays owner-only.
  if ((fs.statSync(privFile).mode & 0o077) !== 0) fs.chmodSync(privFile, 0o600);
  const privateKey = createPrivateKey(fs.readFileSync(privFile));
  const publicKey = createPublicKey(privateKey);
  if (!fs.existsSync(pubFile)) fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), dir };
}

/** Read only the public key (audit verification from the CLI needs no private key). */
export function loadPublicKey(dir: string): { publicKey: KeyObject; keyId: string } | null {
  const pubFile = path.join(dir, PUBLIC_KEY_FILE);
  if (!fs.existsSync(pubFile)) return null;
  const publicKey = createPublicKey(fs.readFileSync(pubFile));
  return { publicKey, keyId: keyIdOf(publicKey) };
}

export function signText(privateKey: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64url');
}

export function verifyText(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
