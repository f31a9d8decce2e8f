// The OPC UA connector's PKI, kept under the core's data dir (never node-opcua's default in $HOME):
// <dataDir>/pki/opcua/<connector id>/ with own/certs (our application certificate, created on first
// start), own/private (its key, mode 0600), trusted/certs (the servers we accept) and rejected/certs
// (servers seen but not trusted). A server certificate is trusted only by an operator (connectors.trust)
// or by copying it into trusted/certs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';

export interface ServerCertificate {
  der: Buffer;
  /** SHA-1 of the DER, lower-case hex: how OPC UA tools (UaExpert, node-opcua) name a certificate. */
  thumbprint: string;
  subject: string;
}

export const pkiDir = (dataDir: string, connectorId: string) => path.join(dataDir, 'pki', 'opcua', connectorId);

export function describeCertificate(der: Buffer): ServerCertificate {
  const thumbprint = crypto.createHash('sha1').update(der).digest('hex');
  let subject: string;
  try {
    subject = new crypto.X509Certificate(der).subject.replace(/\n/g, ', ');
  } catch {
    subject = '(unreadable certificate)';
  }
  return { der, thumbprint, subject };
}

export async function openPki(dir: string): Promise<OPCUACertificateManager> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cm = new OPCUACertificateManager({ rootFolder: dir, automaticallyAcceptUnknownCertificate: false });
  await cm.initialize();
  return cm;
}

/** The private key stays readable by this user only, whoever created it. */
export function protectPrivateKey(cm: OPCUACertificateManager): void {
  if (fs.existsSync(cm.privateKey)) fs.chmodSync(cm.privateKey, 0o600);
}

export async function isTrusted(cm: OPCUACertificateManager, der: Buffer): Promise<boolean> {
  return (await cm.isCertificateTrusted(der)) === 'Good';
}

/** The certificate of the server's endpoint for a security mode (Basic256Sha256), read over an unsecured discovery channel. */
export async function serverCertificate(cm: OPCUACertificateManager, endpoint: string, mode: 'Sign' | 'SignAndEncrypt' | 'None'): Promise<ServerCertificate> {
  const d = OPCUAClient.create({
    applicationName: 'AegisFlow',
    clientCertificateManager: cm,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
  });
  try {
    await d.connect(endpoint);
    const endpoints = await d.getEndpoints();
    const policy = mode === 'None' ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256;
    const ep = endpoints.find((e) => e.securityMode === MessageSecurityMode[mode] && e.securityPolicyUri === policy);
    if (!ep) throw new Error(`the server offers no ${mode} endpoint${mode === 'None' ? '' : ' with Basic256Sha256'}`);
    return describeCertificate(ep.serverCertificate);
  } finally {
    await d.disconnect();
  }
}
