import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt, exportJWK, generateKeyPair, type JWK } from 'jose'
import { carrierOf } from '../../src/callback/jarm.js'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import type { JarmFault } from '../../src/testing/index.js'
import { assertSignedIn, formPost, tamper } from '../support/callback.js'
import { expectCode, registerSecret } from '../support/helpers.js'
import { browserRequest, type Fixture, sharedFixture } from '../support/sign-in.js'

const enc = await generateKeyPair('RSA-OAEP-256', { extractable: true })
const encPublic: JWK = {
  ...(await exportJWK(enc.publicKey)),
  kid: 'rp-jarm-enc',
  use: 'enc',
  alg: 'RSA-OAEP-256',
}
const encPrivate: JWK = {
  ...(await exportJWK(enc.privateKey)),
  kid: 'rp-jarm-enc',
  use: 'enc',
  alg: 'RSA-OAEP-256',
}
registerSecret(encPrivate.d)

/** A fixture whose client registered encrypted JARM responses (RSA-OAEP-256, default enc). */
function encryptedFixture(): Promise<Fixture> {
  const registration = { authorization_encrypted_response_alg: 'RSA-OAEP-256' }
  return sharedFixture({
    client: { jwks: { keys: [encPublic] }, ...registration },
    clientInput: { keys: [encPrivate], ...registration },
  })
}

/** Starts a sign-in in a response mode, authorizes it (with a JARM fault, if any) and calls back. */
async function signInWith(
  f: Fixture,
  responseMode: string,
  responseType = 'code',
  fault?: JarmFault,
) {
  const started = await f.start({ responseType, responseMode })
  if (fault !== undefined) f.op.misbehave({ jarm: fault })
  const response = await f.authorize(started)
  return { started, response, result: f.callback(browserRequest(response)) }
}

describe('JARM response modes', () => {
  test('query.jwt: the callback carries response alone, and its code signs in', async () => {
    const f = await sharedFixture()
    const { response, result } = await signInWith(f, 'query.jwt')
    assert.deepEqual([...response.params.keys()], ['response'])
    assert.equal(new URL(response.url).searchParams.has('code'), false)
    assertSignedIn(await result)
  })

  test('fragment.jwt (code id_token) and form_post.jwt (id_token) sign in', async () => {
    const f = await sharedFixture()
    const fragment = await signInWith(f, 'fragment.jwt', 'code id_token')
    assert.match(fragment.response.url, /#response=/)
    assertSignedIn(await fragment.result)
    const posted = await signInWith(f, 'form_post.jwt', 'id_token')
    assert.equal(posted.response.method, 'POST')
    assertSignedIn(await posted.result)
  })

  test('jwt is query.jwt for code and fragment.jwt for a response type with tokens', async () => {
    assert.equal(carrierOf('jwt', false), 'query')
    assert.equal(carrierOf('jwt', true), 'fragment')
    const f = await sharedFixture()
    const code = await signInWith(f, 'jwt')
    assert.equal(code.response.responseMode, 'query.jwt')
    assertSignedIn(await code.result)
    const implicit = await signInWith(f, 'jwt', 'id_token token')
    assert.equal(implicit.response.responseMode, 'fragment.jwt')
    assertSignedIn(await implicit.result)
  })

  test('the JWT carries iss, aud and exp beside the response parameters', async () => {
    const f = await sharedFixture()
    const { started, response } = await signInWith(f, 'query.jwt')
    const claims = decodeJwt(response.params.get('response')!)
    assert.equal(claims.iss, f.config.issuer)
    assert.equal(claims.aud, f.config.client.client_id)
    assert.equal(typeof claims.exp, 'number')
    assert.equal(claims.state, started.transaction.state)
    assert.equal(typeof claims.code, 'string')
  })
})

describe('a JARM response is verified before anything in it is trusted', () => {
  const cases: [JarmFault, string][] = [
    ['bad-signature', 'JARM_SIGNATURE_INVALID'],
    ['wrong-audience', 'JARM_AUDIENCE_MISMATCH'],
    ['wrong-issuer', 'JARM_ISSUER_MISMATCH'],
    ['expired', 'JARM_EXPIRED'],
    ['no-exp', 'JARM_EXPIRED'],
    ['alg-none', 'JARM_ALG_NOT_ALLOWED'],
  ]
  for (const [fault, code] of cases) {
    test(`${fault} is ${code} and leaves the sign-in pending; the faithful response then signs in`, async () => {
      const f = await sharedFixture()
      const started = await f.start({ responseMode: 'query.jwt' })
      f.op.misbehave({ jarm: fault })
      const broken = await f.authorize(started)
      await expectCode(f.callback(browserRequest(broken)), code as ValidationError['code'])
      const faithful = await f.authorize(started)
      assertSignedIn(await f.callback(browserRequest(faithful)))
    })
  }

  test('an error inside a JARM response is AUTHORIZATION_ERROR_RESPONSE; with a bad signature it is JARM_SIGNATURE_INVALID', async () => {
    const f = await sharedFixture()
    const deny = async (fault?: JarmFault) => {
      const started = await f.start({ responseMode: 'query.jwt' })
      if (fault !== undefined) f.op.misbehave({ jarm: fault })
      const response = await f.authorize(started, { deny: true })
      return f.callback(browserRequest(response))
    }
    const err = await expectCode<OAuthResponseError>(deny(), 'AUTHORIZATION_ERROR_RESPONSE')
    assert.equal(err.error, 'access_denied')
    await expectCode(deny('bad-signature'), 'JARM_SIGNATURE_INVALID')
  })

  test('an expired JARM response within the clock tolerance is accepted; past it, JARM_EXPIRED', async () => {
    // The fault's exp is two minutes ago: past the default 30 s tolerance, within five minutes'.
    await expectCode(
      (await signInWith(await sharedFixture(), 'query.jwt', 'code', 'expired')).result,
      'JARM_EXPIRED',
    )
    const tolerant = await sharedFixture({ config: { clockToleranceInSeconds: 300 } })
    assertSignedIn(await (await signInWith(tolerant, 'query.jwt', 'code', 'expired')).result)
  })

  test('a parameter beside response is JARM_RESPONSE_UNEXPECTED; response alone signs in', async () => {
    const f = await sharedFixture()
    const started = await f.start({ responseMode: 'query.jwt' })
    const response = await f.authorize(started)
    const added = tamper(response.url, (p) => p.set('code', 'injected'))
    await expectCode(f.callback(added), 'JARM_RESPONSE_UNEXPECTED')
    assertSignedIn(await f.callback(browserRequest(response)))
  })
})

describe('the response mode of the sign-in decides whether a JARM response is required', () => {
  test('a plain response to a JARM sign-in is JARM_RESPONSE_MISSING; the JARM one signs in', async () => {
    const f = await sharedFixture()
    const plain = await signInWith(f, 'query.jwt', 'code', 'plain')
    assert.equal(plain.response.params.has('code'), true)
    await expectCode(plain.result, 'JARM_RESPONSE_MISSING')
    assertSignedIn(await (await signInWith(f, 'query.jwt')).result)
  })

  test('a JARM response to a plain sign-in is JARM_RESPONSE_UNEXPECTED; to a JARM sign-in it signs in', async () => {
    const f = await sharedFixture()
    // The RP asked for the default mode; the OP answers in query.jwt anyway.
    const started = await f.start({ extra: { response_mode: 'query.jwt' } })
    const response = await f.authorize(started)
    await expectCode(f.callback(browserRequest(response)), 'JARM_RESPONSE_UNEXPECTED')
    assertSignedIn(await (await signInWith(f, 'query.jwt')).result)
  })

  test('a fragment.jwt response in the query is CALLBACK_RESPONSE_MODE_MISMATCH; in the fragment it signs in', async () => {
    const f = await sharedFixture()
    const started = await f.start({ responseType: 'code id_token', responseMode: 'fragment.jwt' })
    const response = await f.authorize(started)
    const inQuery = new URL(response.url)
    inQuery.search = inQuery.hash.slice(1)
    inQuery.hash = ''
    await expectCode(f.callback(new Request(inQuery.href)), 'CALLBACK_RESPONSE_MODE_MISMATCH')
    const again = await signInWith(f, 'fragment.jwt', 'code id_token')
    assertSignedIn(await again.result)
  })

  test('form_post.jwt through a POST body signs in; the response parameter is read from the form', async () => {
    const f = await sharedFixture()
    const started = await f.start({ responseMode: 'form_post.jwt' })
    const response = await f.authorize(started)
    assert.match(response.body ?? '', /^response=/)
    assertSignedIn(await f.callback(formPost(response.body!)))
  })
})

describe('encrypted JARM responses', () => {
  test('an encrypted response (RSA-OAEP-256, A128CBC-HS256 by default) signs in', async () => {
    const f = await encryptedFixture()
    const { response, result } = await signInWith(f, 'query.jwt')
    assert.equal(response.params.get('response')!.split('.').length, 5)
    assertSignedIn(await result)
  })

  test('a response only signed where encryption was registered is JARM_DECRYPTION_FAILED; the encrypted one signs in', async () => {
    const f = await encryptedFixture()
    await expectCode(
      (await signInWith(f, 'query.jwt', 'code', 'signed-only')).result,
      'JARM_DECRYPTION_FAILED',
    )
    assertSignedIn(await (await signInWith(f, 'query.jwt')).result)
  })

  test('an encrypted response to a client that registered none is JARM_DECRYPTION_FAILED; signed it signs in', async () => {
    const encrypted = await encryptedFixture()
    const started = await encrypted.start({ responseMode: 'query.jwt' })
    const jwe = (await encrypted.authorize(started)).params.get('response')!
    const f = await sharedFixture()
    const plainStarted = await f.start({ responseMode: 'query.jwt' })
    await expectCode(f.callback(`https://rp.example/cb?response=${jwe}`), 'JARM_DECRYPTION_FAILED')
    assertSignedIn(await f.callback(browserRequest(await f.authorize(plainStarted))))
  })

  test('query.jwt with tokens, encrypted, signs in (JARM §2.3.1 allows it only encrypted)', async () => {
    const f = await encryptedFixture()
    assertSignedIn(await (await signInWith(f, 'query.jwt', 'id_token token')).result)
  })
})

describe('the registered signing alg', () => {
  const op = { signingAlgs: ['RS256', 'ES256'] as const }

  test('an RS256 response to a client that registered ES256 is JARM_ALG_NOT_ALLOWED; an ES256 one signs in', async () => {
    const mismatched = await sharedFixture({
      op: { signingAlgs: [...op.signingAlgs] },
      clientInput: { authorization_signed_response_alg: 'ES256' },
    })
    await expectCode((await signInWith(mismatched, 'query.jwt')).result, 'JARM_ALG_NOT_ALLOWED')
    const registered = await sharedFixture({
      op: { signingAlgs: [...op.signingAlgs] },
      client: { authorization_signed_response_alg: 'ES256' },
      clientInput: { authorization_signed_response_alg: 'ES256' },
    })
    const { response, result } = await signInWith(registered, 'query.jwt')
    assert.equal(
      JSON.parse(
        atob(response.params.get('response')!.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/')),
      ).alg,
      'ES256',
    )
    assertSignedIn(await result)
  })
})
