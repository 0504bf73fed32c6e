/** jose's JWE encryption, loaded with the first encrypted request object. */
export { CompactEncrypt } from 'jose/jwe/compact/encrypt'
