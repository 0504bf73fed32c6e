/**
 * The mock OP's DPoP types: its options, its faults and its state (RFC 9449).
 *
 * @module
 */

/**
 * The DPoP settings of the mock OP (RFC 9449).
 * @group Configuration
 */
export interface MockDPoPOptions {
  /**
   * Every token request must carry a DPoP proof.
   *
   * As for a client registered with `dpop_bound_access_tokens`. Default false: a proof is checked
   * when one comes.
   */
  required?: boolean
  /**
   * Demand a server-provided nonce in every proof (RFC 9449 §8, §9).
   *
   * A proof without the current nonce is answered `use_dpop_nonce` with a `DPoP-Nonce` header.
   * Default false.
   */
  nonces?: boolean
  /** The proof algorithms accepted. Default `['ES256', 'PS256', 'RS256', 'EdDSA']`. */
  algs?: string[]
}

/**
 * How the mock OP's DPoP handling goes wrong, at the next request that carries a proof:
 *
 * - `demand-nonce`: answers `use_dpop_nonce` with a fresh `DPoP-Nonce`, even to a proof with the
 *   current nonce (with `times: 2`, it demands a nonce twice in a row);
 * - `nonce-without-header`: answers `use_dpop_nonce` without any `DPoP-Nonce` header;
 * - `bearer-token-type`: the token endpoint binds the token to the proof's key but answers
 *   `token_type: Bearer`.
 * @group Faults
 */
export type DPoPFault = 'demand-nonce' | 'nonce-without-header' | 'bearer-token-type'

/** The DPoP state of the OP. */
export interface DPoPState {
  readonly required: boolean
  readonly nonces: boolean
  readonly algs: readonly string[]
  /** The nonce proofs must carry now. */
  nonce: string
  /** `jti`s seen, with when they may be forgotten (ms since the epoch). */
  readonly jtis: Map<string, number>
}
