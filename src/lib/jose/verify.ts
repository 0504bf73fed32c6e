/** jose's key import and JWS verification, loaded with the first key import (src/lib/dependencies.ts). */
export { compactVerify } from 'jose/jws/compact/verify'
export { importJWK } from 'jose/key/import'
