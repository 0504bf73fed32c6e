/** jose's JWE encryption, loaded with the first encrypted request object (src/lib/lazy-jose.ts). */
export { CompactEncrypt } from 'jose/jwe/compact/encrypt'
