/** jose's JWE decryption, loaded with the first encrypted ID token or UserInfo response (src/lib/lazy-jose.ts). */
export { compactDecrypt } from 'jose/jwe/compact/decrypt'
