/**
 * jose's JWK import, for the client's own keys (request objects, `private_key_jwt`, decryption).
 *
 * Loaded with the first such key; the OP's keys are imported with WebCrypto directly.
 */
export { importJWK } from 'jose/key/import'
