import assert from 'node:assert/strict'
import { Console } from 'node:console'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { format, inspect } from 'node:util'
import { createAuthorizationRequest } from '../../src/authorization/request.js'
import { handleCallback } from '../../src/callback/sign-in.js'
import { createConfiguration, restoreConfiguration } from '../../src/config/configuration.js'
import { extendContract } from '../../src/config/contract.js'
import { credentialsOf, RUNTIME } from '../../src/config/runtime.js'
import { reloadMetadata } from '../../src/discovery.js'
import type { UsageError } from '../../src/errors.js'
import { exportJwksCache } from '../../src/keys.js'
import { fetchUserInfo } from '../../src/userinfo.js'
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

test('settings are validated: a negative timeoutInMs is refused with INVALID_CONFIGURATION; the twin: 0 is accepted', async () => {
  await expectCode(
    () => createConfiguration(providerMetadata(), client, { timeoutInMs: -1 }),
    'INVALID_CONFIGURATION',
  )
  assert.equal(
    createConfiguration(providerMetadata(), client, { timeoutInMs: 0 }).settings.timeoutInMs,
    0,
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
  assert.equal(restored[RUNTIME].now(), 42_000, 'the injected clock is read (through its check)')
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

test('a spread or JSON copy of a configuration is refused with INVALID_ARGUMENT by every entry point; the original works', async () => {
  const f = await createFixture()
  const copies = [{ ...f.config }, JSON.parse(JSON.stringify(f.config))] as (typeof f.config)[]
  for (const copy of copies) {
    const err = await expectCode<UsageError>(createAuthorizationRequest(copy), 'INVALID_ARGUMENT')
    assert.equal(err.parameter, 'config')
    await expectCode(
      handleCallback(copy, 'https://rp.example/cb?state=s&code=c'),
      'INVALID_ARGUMENT',
    )
    await expectCode(fetchUserInfo(copy, 'at', { expectedSubject: 'alice' }), 'INVALID_ARGUMENT')
    assert.throws(() => exportJwksCache(copy), { code: 'INVALID_ARGUMENT' })
    await expectCode(reloadMetadata(copy), 'INVALID_ARGUMENT')
  }
  // the twin: the original signs in
  const result = await f.signIn()
  assert.equal(result.claims.sub, 'alice')
})
