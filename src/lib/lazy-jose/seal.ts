/** jose's encrypted JWTs, loaded with the sealed transaction store's first use. */
export { jwtDecrypt } from 'jose/jwt/decrypt'
export { EncryptJWT } from 'jose/jwt/encrypt'
