// RFC 8785 canonical JSON and SHA-256: one implementation, shared with the edge verifier that devices
// run (electron/edge/canonical.ts), so the gateway and a device agree on every argument hash.
export { CanonicalJsonError, canonicalHash, canonicalize, sha256Hex } from '../../edge/canonical';
