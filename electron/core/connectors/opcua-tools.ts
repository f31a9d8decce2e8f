// What `aegisflow plant browse` uses of the OPC UA connector (loaded on demand: see opcua.ts).
export { browseServer, type BrowsedVariable } from './opcua-browse';
export { isTrusted, openPki, pkiDir, serverCertificate } from './opcua-pki';
export { setErrorLogger, setWarningLogger } from 'node-opcua';
