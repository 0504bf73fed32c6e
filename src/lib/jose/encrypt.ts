/** jose's JWE encryption, loaded with the first encrypted request object (src/lib/dependencies.ts). */
export { CompactEncrypt } from 'jose/jwe/compact/encrypt'
