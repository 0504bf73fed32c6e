import assert from 'node:assert/strict'
import { Console } from 'node:console'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { format, inspect } from 'node:util'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import { extendContract } from '../../src/config/contract.js'
import { credentialsOf, RUNTIME } from '../../src/config/runtime.js'
import type { ValidationError } from '../../src/errors.js'
import { CLIENT_SECRET, client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'
import { createFixture, CLIENT_SECRET as FIXTURE_SECRET } from '../support/sign-in.js'

test('manual configuration validates and fills defaults', () => {
  const config = createConfiguration(providerMetadata(), client)
  assert.equal(config.issuer, 'https://op.example.com')
  assert.equal(config.client.token_endpoint_auth_method, 'client_secret_basic')
  assert.equal(config.settings.timeoutInMs, 10_000)
  assert.equal(config.settings.maxResponseBytes, 1024 * 1024)
  assert.equal(config.settings.allowInsecureRequests, false)
  assert.deepEqual(
    config.contract.map((a) => a.name),
    ['sub', 'name', 'email'],
  )
  assert.ok(
    Object.isFrozen(config) &&
      Object.isFrozen(config.provider) &&
      Object.isFrozen(config.client.redirect_uris),
  )
})

test('manual metadata gets the same validation as discovery', async () => {
  const without = (member: string) => {
    const m = providerMetadata()
    delete m[member]
    return m
  }
  for (const member of [
    'issuer',
    'authorization_endpoint',
    'jwks_uri',
    'response_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
    'token_endpoint',
  ]) {
    await expectCode(
      () => createConfiguration(without(member), client),
      'DISCOVERY_INVALID_METADATA',
    )
  }
  // token_endpoint may be absent when the OP only does the implicit flow
  createConfiguration(
    { ...without('token_endpoint'), response_types_supported: ['id_token'] },
    client,
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), jwks_uri: 42 }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), jwks_uri: 'not a url' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), scopes_supported: 'openid' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), scopes_supported: ['openid', 1] }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () => createConfiguration({ ...providerMetadata(), claims_parameter_supported: 'yes' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
  await expectCode(
    () =>
      createConfiguration({ ...providerMetadata(), issuer: 'https://op.example.com?x=1' }, client),
    'DISCOVERY_INVALID_METADATA',
  )
})

test('http endpoints are refused unless loopback or explicitly allowed', async () => {
  const insecure = { ...providerMetadata(), token_endpoint: 'http://op.example.com/token' }
  await expectCode(() => createConfiguration(insecure, client), 'DISCOVERY_INSECURE_ENDPOINT')
  assert.equal(
    createConfiguration(insecure, client, { allowInsecureRequests: true }).provider.token_endpoint,
    'http://op.example.com/token',
  )
  createConfiguration(providerMetadata('http://127.0.0.1:3000'), client)
})

test('client metadata is validated and credentials are required by the auth method', async () => {
  const metadata = providerMetadata()
  await expectCode(
    () => createConfiguration(metadata, { ...client, client_id: '' }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () => createConfiguration(metadata, { ...client, redirect_uris: [] }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () => createConfiguration(metadata, { ...client, redirect_uris: ['/relative'] }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(
    () =>
      createConfiguration(metadata, {
        ...client,
        token_endpoint_auth_method: 'tls_client_auth' as 'none',
      }),
    'INVALID_CONFIGURATION',
  )
  const { client_secret: _omit, ...publicClient } = client
  await expectCode(() => createConfiguration(metadata, publicClient), 'MISSING_CREDENTIALS')
  createConfiguration(metadata, { ...publicClient, token_endpoint_auth_method: 'none' })
  await expectCode(
    () =>
      createConfiguration(metadata, {
        ...publicClient,
        token_endpoint_auth_method: 'private_key_jwt',
      }),
    'MISSING_CREDENTIALS',
  )
  await expectCode(
    () => createConfiguration(metadata, client, { timeoutInMs: -1 }),
    'INVALID_CONFIGURATION',
  )
})

test('a configuration serialises to JSON without secrets or keys and restores', async () => {
  const { privateKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign', 'verify'],
  )
  const config = createConfiguration(
    providerMetadata(),
    { ...client, keys: [{ privateKey, kid: 'k1' }] },
    { timeoutInMs: 5000, attributeMapping: [{ attribute: 'mail', claim: 'email' }] },
  )
  const text = JSON.stringify(config)
  assert.ok(!text.includes(CLIENT_SECRET))
  assert.ok(!text.includes('privateKey') && !text.includes('"keys"'))
  const restored = restoreConfiguration(text, {
    client_secret: CLIENT_SECRET,
    keys: [{ privateKey, kid: 'k1' }],
  })
  assert.deepEqual(JSON.parse(JSON.stringify(restored)), JSON.parse(text))
  assert.equal(restored.settings.timeoutInMs, 5000)
  assert.equal(credentialsOf(restored).clientSecret, CLIENT_SECRET)
  assert.deepEqual(restored.attributeMapping, [{ attribute: 'mail', claim: 'email' }])
})

test('administrator edits to the contract survive serialisation', () => {
  const config = createConfiguration(providerMetadata(), client)
  const edited = {
    ...JSON.parse(JSON.stringify(config)),
    contract: extendContract(config.contract, ['department']),
  }
  const restored = restoreConfiguration(edited, { client_secret: CLIENT_SECRET })
  assert.deepEqual(restored.contract.at(-1), {
    name: 'department',
    origin: 'admin',
    advertised: false,
  })
})

test('a malformed saved configuration is refused with a typed error', async () => {
  await expectCode(() => restoreConfiguration('{not json', {}), 'INVALID_CONFIGURATION')
  await expectCode(
    () => restoreConfiguration({ provider: providerMetadata() }, {}),
    'INVALID_CONFIGURATION',
  )
  const saved = JSON.parse(JSON.stringify(createConfiguration(providerMetadata(), client)))
  await expectCode(
    () =>
      restoreConfiguration({ ...saved, contract: [{ name: 1 }] }, { client_secret: CLIENT_SECRET }),
    'INVALID_CONFIGURATION',
  )
  await expectCode(() => restoreConfiguration(saved, {}), 'MISSING_CREDENTIALS')
})

test('a restored configuration keeps the injected fetch and clock', () => {
  const saved = JSON.stringify(createConfiguration(providerMetadata(), client))
  const fetch: typeof globalThis.fetch = async () => new Response('{}')
  const now = () => 42_000
  const restored = restoreConfiguration(
    saved,
    { client_secret: CLIENT_SECRET },
    { fetch, now, timeoutInMs: 1234 },
  )
  assert.equal(restored[RUNTIME].fetch, fetch)
  assert.equal(restored[RUNTIME].now, now)
  assert.equal(restored.settings.timeoutInMs, 1234)
})

/** Everything a configuration looks like to the printers an application may log it with. */
function printed(value: object): Record<string, string> {
  const deep = { depth: Infinity, showHidden: true, getters: true } as const
  let logged = ''
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged += String(chunk)
      done()
    },
  })
  new Console({ stdout: sink, stderr: sink }).log(value)
  const symbols = Object.getOwnPropertySymbols(value).map(
    (s) => (value as Record<symbol, unknown>)[s],
  )
  return {
    'util.inspect': inspect(value),
    'util.inspect depth Infinity showHidden getters': inspect(value, deep),
    'util.inspect customInspect false': inspect(value, { ...deep, customInspect: false }),
    'util.inspect of its symbol members, customInspect false': inspect(symbols, {
      ...deep,
      customInspect: false,
    }),
    "util.format('%o')": format('%o', value),
    "util.format('%O')": format('%O', value),
    "util.format('%j')": format('%j', value),
    "util.format('%s')": format('%s', value),
    'console.log': logged,
    String: String(value),
    'template literal': `${value}`,
    'JSON.stringify': JSON.stringify(value),
    'util.inspect of structuredClone': inspect(structuredClone(value), deep),
  }
}

/** The forms a secret could take in a printout: the text, and its UTF-8 bytes as inspect shows them. */
function secretForms(secret: string): string[] {
  const bytes = [...new TextEncoder().encode(secret)].slice(0, 8)
  return [secret, bytes.join(', '), bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')]
}

/** A configuration that has used its secret (HS256 ID tokens) and its private JWK (private_key_jwt). */
async function configurationWithUsedCredentials() {
  const f = await createFixture({
    authMethod: 'private_key_jwt',
    client: { id_token_signed_response_alg: 'HS256' },
  })
  await f.signIn()
  const jwk = (credentialsOf(f.config).keys[0] ?? {}) as { d?: string }
  assert.ok(typeof jwk.d === 'string', 'the client key is a private JWK')
  assert.equal(credentialsOf(f.config).clientSecret, FIXTURE_SECRET)
  return { config: f.config, d: jwk.d }
}

test('credentials in logs: no printer shows the client secret or the private key of a configuration', async () => {
  const { config, d } = await configurationWithUsedCredentials()
  for (const [printer, text] of Object.entries(printed(config))) {
    for (const form of [...secretForms(FIXTURE_SECRET), d]) {
      assert.ok(!text.includes(form), `${printer} shows a credential (${form.slice(0, 4)}…)`)
    }
  }
})

test('credentials in logs, the twin: the same printers show its data, and a secret kept the old way (an enumerable symbol member)', async () => {
  const { config, d } = await configurationWithUsedCredentials()
  const shown = printed(config)
  for (const printer of Object.keys(shown).filter(
    (p) => !/String|template|symbol members/.test(p),
  )) {
    assert.ok(shown[printer]!.includes(config.issuer), `${printer} shows the issuer`)
  }
  assert.match(
    shown['util.inspect depth Infinity showHidden getters']!,
    /oidc-rp runtime: redacted/,
  )
  const oldWay = {
    ...JSON.parse(JSON.stringify(config)),
    [Symbol('oidc-rp.runtime')]: { credentials: { clientSecret: FIXTURE_SECRET, keys: [{ d }] } },
  }
  const leaky = printed(oldWay)
  for (const printer of ['util.inspect', "util.format('%o')", 'console.log']) {
    assert.ok(leaky[printer]!.includes(FIXTURE_SECRET), `${printer} would show the old secret`)
  }
  assert.ok(leaky['util.inspect depth Infinity showHidden getters']!.includes(d))
})

/** The endpoints the RP sends credentials, codes or tokens to, or sends the browser to. */
const LOOPBACK_CHECKED = [
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'pushed_authorization_request_endpoint',
  'end_session_endpoint',
  'authorization_endpoint',
] as const

for (const member of LOOPBACK_CHECKED) {
  test(`loopback SSRF: a remote https issuer's ${member} at http://127.0.0.1 is refused with DISCOVERY_LOOPBACK_ENDPOINT naming it`, async () => {
    const metadata = { ...providerMetadata(), [member]: 'http://127.0.0.1:8080/x' }
    const err = await expectCode<ValidationError>(
      () => createConfiguration(metadata, client),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
    assert.equal(err.claim, member)
    assert.match(
      err.message,
      new RegExp(`${member} points at loopback \\(http://127\\.0\\.0\\.1:8080\\)`),
    )
    const saved = {
      ...JSON.parse(JSON.stringify(createConfiguration(providerMetadata(), client))),
      provider: metadata,
    }
    await expectCode(
      () => restoreConfiguration(saved, { client_secret: CLIENT_SECRET }),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
  })

  test(`loopback SSRF, the twin: a loopback issuer's ${member} on loopback is accepted, over http and https`, () => {
    for (const issuer of ['http://127.0.0.1:3000', 'https://localhost:8443']) {
      const metadata = { ...providerMetadata(issuer), [member]: 'http://localhost:8080/x' }
      assert.equal(
        createConfiguration(metadata, client).provider[member],
        'http://localhost:8080/x',
      )
    }
  })
}

test('loopback SSRF: every spelling of loopback is refused for a remote issuer (localhost, subdomains, 127/8, ::1, IPv4-mapped, 0.0.0.0, trailing dot)', async () => {
  for (const url of [
    'http://localhost/token',
    'http://LOCALHOST./token',
    'http://rp.localhost:9000/token',
    'http://127.1/token',
    'http://2130706433/token',
    'http://127.255.0.9/token',
    'http://[::1]:8080/token',
    'http://[::ffff:127.0.0.1]/token',
    'http://0.0.0.0:8080/token',
    'http://[::]/token',
  ]) {
    const err = await expectCode<ValidationError>(
      () => createConfiguration({ ...providerMetadata(), token_endpoint: url }, client),
      'DISCOVERY_LOOPBACK_ENDPOINT',
    )
    assert.equal(err.claim, 'token_endpoint', url)
  }
})

test("loopback SSRF: a remote issuer's https loopback endpoint is refused too; the twin: an https endpoint on another remote host is accepted", async () => {
  await expectCode(
    () =>
      createConfiguration(
        { ...providerMetadata(), token_endpoint: 'https://127.0.0.1/token' },
        client,
      ),
    'DISCOVERY_LOOPBACK_ENDPOINT',
  )
  const elsewhere = { ...providerMetadata(), token_endpoint: 'https://tokens.op.example.net/token' }
  assert.equal(
    createConfiguration(elsewhere, client).provider.token_endpoint,
    'https://tokens.op.example.net/token',
  )
})

test('loopback SSRF: allowInsecureRequests, the explicit development opt-in, lets a remote issuer name loopback endpoints', () => {
  const metadata = { ...providerMetadata(), token_endpoint: 'http://localhost:8080/token' }
  const config = createConfiguration(metadata, client, { allowInsecureRequests: true })
  assert.equal(config.provider.token_endpoint, 'http://localhost:8080/token')
})
