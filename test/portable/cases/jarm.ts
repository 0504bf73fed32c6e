/** JWT Secured Authorization Responses (JARM): every mode, signed and encrypted, and each fault. */

import type { ResponseMode, ResponseType } from '../../../src/index.js'
import type { JarmFault } from '../../../src/testing/index.js'
import { equal, ok } from '../assert.js'
import { type Env, encryptionKeyPair } from '../fixtures.js'
import type { Case } from '../harness.js'

export function jarmCases(env: Env): Case[] {
  const mode = (responseMode: ResponseMode, responseType: ResponseType, carrier: string): Case => ({
    name: `jarm ${responseMode} (${responseType}): the signed response signs in`,
    async run() {
      const { op, config } = await env.rp('basic', { policy: { responseType, responseMode } })
      const returned = await env.authorize(config, op)
      equal(returned.response.responseMode, carrier, 'carrier')
      equal([...returned.response.params.keys()].join(','), 'response', 'response alone')
      const result = await env.callback(config, returned.input)
      equal(result.idTokenClaims.sub, 'alice', 'sub')
    },
  })
  const fault = (jarm: JarmFault, code: Parameters<Env['expectCode']>[1]): Case => ({
    name: `jarm fault ${jarm}: ${code}; the faithful response signs in`,
    async run() {
      const { op, config } = await env.rp('basic', { policy: { responseMode: 'query.jwt' } })
      op.misbehave({ jarm })
      await env.expectCode(env.signIn(config, op), code)
      ok(await env.signIn(config, op), 'twin')
    },
  })

  return [
    mode('query.jwt', 'code', 'query.jwt'),
    mode('form_post.jwt', 'code', 'form_post.jwt'),
    mode('fragment.jwt', 'code id_token', 'fragment.jwt'),
    mode('jwt', 'id_token token', 'fragment.jwt'),
    fault('bad-signature', 'JARM_SIGNATURE_INVALID'),
    fault('wrong-audience', 'JARM_AUDIENCE_MISMATCH'),
    fault('wrong-issuer', 'JARM_ISSUER_MISMATCH'),
    fault('expired', 'JARM_EXPIRED'),
    fault('no-exp', 'JARM_EXPIRED'),
    fault('alg-none', 'JARM_ALG_NOT_ALLOWED'),
    fault('plain', 'JARM_RESPONSE_MISSING'),
    {
      name: 'jarm: a JARM response to a plain sign-in is JARM_RESPONSE_UNEXPECTED; asked for, it signs in',
      async run() {
        const { op, config } = await env.rp('basic')
        const request = await env.lib.createAuthorizationRequest(config)
        request.url.searchParams.set('response_mode', 'query.jwt')
        const response = await op.authorize(request.url, { user: 'alice' })
        const browserBinding = request.browserBinding?.value
        await env.expectCode(
          env.lib.handleCallback(config, new Request(response.url), {
            ...(browserBinding === undefined ? {} : { browserBinding }),
          }),
          'JARM_RESPONSE_UNEXPECTED',
        )
        const asked = await env.rp('basic', { policy: { responseMode: 'query.jwt' } })
        ok(await env.signIn(asked.config, asked.op), 'twin')
      },
    },
    {
      name: 'jarm encrypted (RSA-OAEP-256 and ECDH-ES): decrypted and verified; signed-only is JARM_DECRYPTION_FAILED',
      async run() {
        const [rsa, ec] = await Promise.all([
          encryptionKeyPair('RSA-OAEP-256', 'rp-jarm-rsa'),
          encryptionKeyPair('ECDH-ES', 'rp-jarm-ec'),
        ])
        for (const [pair, alg, enc] of [
          [rsa, 'RSA-OAEP-256', undefined],
          [ec, 'ECDH-ES', 'A256GCM'],
        ] as const) {
          const registered = {
            authorization_encrypted_response_alg: alg,
            ...(enc === undefined ? {} : { authorization_encrypted_response_enc: enc }),
          }
          const op = await env.soloOp({ ...registered, jwks: { keys: [pair.publicJwk] as never } })
          const config = env.soloConfig(
            op,
            { ...registered, keys: [pair.key] },
            { policy: { responseMode: 'query.jwt' } },
          )
          const returned = await env.authorize(config, op)
          equal(returned.response.params.get('response')?.split('.').length, 5, `${alg}: a JWE`)
          equal((await env.callback(config, returned.input)).idTokenClaims.sub, 'alice', alg)
          op.misbehave({ jarm: 'signed-only' })
          await env.expectCode(env.signIn(config, op), 'JARM_DECRYPTION_FAILED')
        }
      },
    },
  ]
}
