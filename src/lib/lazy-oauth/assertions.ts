/**
 * oauth4webapi's client assertion signing, for `client_secret_jwt` and `private_key_jwt`.
 *
 * Loaded with the first assertion (client-assertion.ts): a client with a secret in Basic or POST,
 * or a public client, never loads oauth4webapi.
 */
export { ClientSecretJwt, clockSkew, modifyAssertion, PrivateKeyJwt } from 'oauth4webapi'
