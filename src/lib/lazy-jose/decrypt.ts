/** jose's JWE decryption, loaded with the first encrypted ID token or UserInfo response. */
export { compactDecrypt } from 'jose/jwe/compact/decrypt'
