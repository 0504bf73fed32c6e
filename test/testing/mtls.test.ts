/**
 * The mock OP's mutual TLS (RFC 8705): it reads the presented certificate at its
 * `mtls_endpoint_aliases` only, authenticates `tls_client_auth` / `self_signed_tls_client_auth`
 * clients by it, binds access tokens (`cnf.x5t#S256`) and checks the binding at UserInfo; and it
 * misbehaves on cue. Driven by hand over its fetch, each refusal with its twin.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { describe, test } from 'node:test'
import { createMockOP, MockOPError } from '../../src/testing/index.js'
import { CERTIFICATE_HEADER, CLIENT_CERTIFICATE, createMtlsFixture } from '../support/mtls.js'
import { type Fixture, REDIRECT_URI } from '../support/sign-in.js'

/** A self-signed certificate made once with openssl (public; its key was thrown away). */
const PEM = `-----BEGIN CERTIFICATE-----
MIIBizCCATGgAwIBAgIUKYJL5qW574qYME5+4hmbQL1XzoQwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQdW5pdC10ZXN0LWNsaWVudDAeFw0yNjEyMDQyMzEzNDZaFw0z
NjEyMDEyMzEzNDZaMBsxGTAXBgNVBAMMEHVuaXQtdGVzdC1jbGllbnQwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQGbeCTrl6OCALjm637TyAo1faGnhaJKjezyh3k
c1fQDov4qFyq/i5rnF5Th7RWxWz1GoZ+MtbctHVuUNWGXT4Xo1MwUTAdBgNVHQ4E
FgQUNT73R7q62MkspS5/W1842ZYVLykwHwYDVR0jBBgwFoAUNT73R7q62MkspS5/
W1842ZYVLykwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiB+KW98
3M7QZR4oq+Imcr2+LvOY9HeVCdQJWMiNm+uqBQIhAPSIdJg7xKBcHXX4T9Wm1TDR
Vo9l2OPo3Ewn/m+tjRdO
-----END CERTIFICATE-----`

/** The base64url SHA-256 thumbprint of {@link PEM}, as node computes it. */
const PEM_THUMBPRINT = Buffer.from(
  new X509Certificate(PEM).fingerprint256.replaceAll(':', ''),
  'hex',
).toString('base64url')

/** A fresh authorization code of the fixture's client, with its verifier. */
async function code(f: Fixture): Promise<URLSearchParams> {
  const started = await f.start()
  const response = await f.authorize(started)
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: response.params.get('code') ?? '',
    redirect_uri: REDIRECT_URI,
    client_id: f.config.client.client_id,
  })
  if (started.transaction.codeVerifier !== undefined) {
    form.set('code_verifier', started.transaction.codeVerifier)
  }
  return form
}

/** POSTs a token request the way the RP would, presenting a certificate or not. */
async function tokenRequest(
  f: Fixture,
  url: string,
  form: URLSearchParams,
  certificate: string | null = CLIENT_CERTIFICATE,
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
  }
  if (certificate !== null) headers[CERTIFICATE_HEADER] = certificate
  return f.op.fetch(url, { method: 'POST', headers, body: form })
}

function aliases(f: Fixture): Record<string, string> {
  return f.op.metadata().mtls_endpoint_aliases as Record<string, string>
}

describe('mock OP mutual TLS', () => {
  test('the metadata lists the aliases, the two methods and bound tokens', async () => {
    const f = await createMtlsFixture()
    const metadata = f.op.metadata()
    assert.deepEqual(Object.keys(aliases(f)).sort(), [
      'pushed_authorization_request_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
    ])
    assert.equal(aliases(f).token_endpoint, `${f.op.issuer}/mtls/token`)
    const methods = metadata.token_endpoint_auth_methods_supported as string[]
    assert.ok(
      methods.includes('tls_client_auth') && methods.includes('self_signed_tls_client_auth'),
    )
    assert.equal(metadata.tls_client_certificate_bound_access_tokens, true)
  })

  test('a certificate sent to the plain token endpoint is not seen: invalid_client', async () => {
    const f = await createMtlsFixture()
    const response = await tokenRequest(f, `${f.op.issuer}/token`, await code(f))
    assert.equal(response.status, 401)
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client')
  })

  test('the twin: the same request at the alias is authenticated by the certificate', async () => {
    const f = await createMtlsFixture()
    const response = await tokenRequest(f, aliases(f).token_endpoint as string, await code(f))
    assert.equal(response.status, 200)
    assert.equal(f.op.requests.at(-1)?.clientAuthMethod, 'tls_client_auth')
  })

  test('no certificate at the alias: invalid_client', async () => {
    const f = await createMtlsFixture()
    const response = await tokenRequest(f, aliases(f).token_endpoint as string, await code(f), null)
    assert.equal(response.status, 401)
  })

  test('{ mtls: "aliases-ignored" }: the alias reads no certificate, invalid_client; the twin: the next request (fault spent) passes', async () => {
    const f = await createMtlsFixture()
    f.op.misbehave({ mtls: 'aliases-ignored' })
    const refused = await tokenRequest(f, aliases(f).token_endpoint as string, await code(f))
    assert.equal(refused.status, 401)
    const passed = await tokenRequest(f, aliases(f).token_endpoint as string, await code(f))
    assert.equal(passed.status, 200)
  })

  test('a registered PEM matches the thumbprint of the same certificate (x5t#S256 as node computes it); the twin: another thumbprint does not', async () => {
    const op = await createMockOP({
      clients: [
        {
          client_id: 'pem',
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'self_signed_tls_client_auth',
          tls_client_certificates: [PEM],
        },
      ],
      users: {},
      clientCertificate: (request) => request.headers.get(CERTIFICATE_HEADER) ?? undefined,
    })
    const post = (certificate: string) =>
      op.fetch(`${op.issuer}/mtls/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          [CERTIFICATE_HEADER]: certificate,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'pem' }),
      })
    // authenticated, then refused for the grant: invalid_grant, not invalid_client
    const accepted = (await (await post(PEM_THUMBPRINT)).json()) as { error: string }
    assert.equal(accepted.error, 'invalid_grant')
    const refused = (await (await post('another-thumbprint')).json()) as { error: string }
    assert.equal(refused.error, 'invalid_client')
  })

  test('a tls_client_auth client without tls_client_certificates is refused by createMockOP; the twin with one is made', async () => {
    const client = {
      client_id: 'c',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'tls_client_auth' as const,
    }
    await assert.rejects(createMockOP({ clients: [client], users: {} }), MockOPError)
    await createMockOP({ clients: [{ ...client, tls_client_certificates: ['t'] }], users: {} })
  })
})

describe('mock OP certificate-bound access tokens', () => {
  async function boundToken(f: Fixture): Promise<string> {
    const response = await tokenRequest(f, aliases(f).token_endpoint as string, await code(f))
    assert.equal(response.status, 200)
    return ((await response.json()) as { access_token: string }).access_token
  }
  const userinfo = (f: Fixture, url: string, token: string, certificate?: string) =>
    f.op.fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(certificate === undefined ? {} : { [CERTIFICATE_HEADER]: certificate }),
      },
    })

  test('a bound token requested at the plain token endpoint (no certificate) is refused: invalid_grant', async () => {
    const f = await createMtlsFixture({ authMethod: 'client_secret_basic', bound: true })
    const form = await code(f)
    form.delete('client_id')
    const response = await f.op.fetch(`${f.op.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${f.config.client.client_id}:${'fixture-client-secret-0123456789-abcdefghij'}`)}`,
      },
      body: form,
    })
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_grant')
  })

  test('a bound token at the plain UserInfo endpoint is refused with 401 invalid_token; the twin: at the alias with the certificate it answers', async () => {
    const f = await createMtlsFixture({ bound: true })
    const token = await boundToken(f)
    const plain = await userinfo(f, `${f.op.issuer}/userinfo`, token, CLIENT_CERTIFICATE)
    assert.equal(plain.status, 401)
    assert.match(plain.headers.get('www-authenticate') ?? '', /invalid_token/)
    const alias = await userinfo(
      f,
      aliases(f).userinfo_endpoint as string,
      token,
      CLIENT_CERTIFICATE,
    )
    assert.equal(alias.status, 200)
  })

  test('a bound token with another certificate at the alias is refused; the twin is the test above', async () => {
    const f = await createMtlsFixture({ bound: true })
    const token = await boundToken(f)
    const other = await userinfo(f, aliases(f).userinfo_endpoint as string, token, 'not-the-one')
    assert.equal(other.status, 401)
  })

  test('{ mtls: "bound-to-other-certificate" }: the token is refused with the right certificate; the twin: the next token (fault spent) is accepted', async () => {
    const f = await createMtlsFixture({ bound: true })
    f.op.misbehave({ mtls: 'bound-to-other-certificate' })
    const spoiled = await boundToken(f)
    const refused = await userinfo(
      f,
      aliases(f).userinfo_endpoint as string,
      spoiled,
      CLIENT_CERTIFICATE,
    )
    assert.equal(refused.status, 401)
    const good = await boundToken(f)
    const accepted = await userinfo(
      f,
      aliases(f).userinfo_endpoint as string,
      good,
      CLIENT_CERTIFICATE,
    )
    assert.equal(accepted.status, 200)
  })

  test('an unbound token (client did not ask) is accepted at the plain UserInfo endpoint without a certificate', async () => {
    const f = await createMtlsFixture()
    const token = await boundToken(f)
    assert.equal((await userinfo(f, `${f.op.issuer}/userinfo`, token)).status, 200)
  })
})
