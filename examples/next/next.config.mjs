/** The Next.js recipe: oidc-rp is this repository's package (its dist/), resolved by name. */
export default {
  output: undefined,
  poweredByHeader: false,
}
