/** jose's JWS signing, loaded with the first request object signed through it. */
export { CompactSign } from 'jose/jws/compact/sign'
