/** jose's JWS signing, loaded with the first request object signed through it (src/lib/lazy-jose.ts). */
export { CompactSign } from 'jose/jws/compact/sign'
