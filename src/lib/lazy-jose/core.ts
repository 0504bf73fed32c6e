/**
 * jose's JWK import and JWS verification, which nearly every client needs.
 *
 * Loaded with the first key import or verification.
 */
export { compactVerify } from 'jose/jws/compact/verify'
export { importJWK } from 'jose/key/import'
