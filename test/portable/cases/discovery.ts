/** Discovery, the attribute contract, metadata reloads and saved configurations. */
import { deepEqual, equal, ok } from '../assert.js'
import { type Env, REDIRECT, SECRET } from '../fixtures.js'
import type { Case } from '../harness.js'

export function discoveryCases(env: Env): Case[] {
  const { lib } = env
  const client = { client_id: 'basic', client_secret: SECRET, redirect_uris: [REDIRECT] }
  return [
    {
      name: 'discover: metadata and a contract built from claims_supported',
      async run() {
        const { op } = await env.sharedOp()
        const config = await lib.discover(op.issuer, client, { fetch: op.fetch })
        equal(config.issuer, op.issuer, 'issuer')
        equal(config.provider.token_endpoint, `${op.issuer}/token`, 'token_endpoint')
        equal(
          config.client.token_endpoint_auth_method,
          'client_secret_basic',
          'default auth method',
        )
        const email = config.contract.find((a) => a.name === 'email')
        deepEqual(email, { name: 'email', origin: 'op', advertised: true }, 'email attribute')
        ok(
          config.contract.some((a) => a.name === 'sub'),
          'the contract has sub',
        )
        equal(op.requests[0]?.endpoint, 'discovery', 'one discovery request')
      },
    },
    {
      name: 'rp-discovery-issuer-not-matching-config: another issuer in the metadata is refused',
      async run() {
        const { op } = await env.sharedOp()
        op.misbehave({ metadata: 'wrong-issuer' })
        const err = await env.expectCode<InstanceType<typeof lib.ValidationError>>(
          lib.discover(op.issuer, client, { fetch: op.fetch }),
          'DISCOVERY_ISSUER_MISMATCH',
        )
        ok(err instanceof lib.ValidationError, 'a ValidationError')
        equal(err.claim, 'issuer', 'claim')
        equal(
          (await lib.discover(op.issuer, client, { fetch: op.fetch })).issuer,
          op.issuer,
          'twin',
        )
      },
    },
    {
      name: 'discover: an issuer differing by a trailing slash is refused',
      async run() {
        const { op } = await env.sharedOp()
        await env.expectCode(
          lib.discover(`${op.issuer}/`, client, { fetch: op.fetch }),
          'DISCOVERY_ISSUER_MISMATCH',
        )
        await env.expectCode(
          lib.discover('not a url', client, { fetch: op.fetch }),
          'INVALID_ARGUMENT',
        )
      },
    },
    {
      name: 'reloadMetadata: the diff names claims, endpoints and lists; the contract keeps old claims',
      async run() {
        const op = await env.soloOp()
        const config = await lib.discover(
          op.issuer,
          { ...client, client_id: 'solo' },
          { fetch: op.fetch },
        )
        const unchanged = await lib.reloadMetadata(config)
        equal(unchanged.diff.changed, false, 'no change yet')
        const claims = (op.metadata().claims_supported as string[]).filter((c) => c !== 'email')
        op.setMetadata({
          claims_supported: [...claims, 'phone_number'],
          userinfo_endpoint: `${op.issuer}/me`,
          // form_post no longer offered; every other mode as before
          response_modes_supported: (op.metadata().response_modes_supported as string[]).filter(
            (mode) => mode !== 'form_post',
          ),
          request_parameter_supported: false,
        })
        const { config: next, diff } = await lib.reloadMetadata(config)
        equal(diff.changed, true, 'changed')
        deepEqual(diff.claims.added, ['phone_number'], 'added claims')
        deepEqual(diff.claims.noLongerAdvertised, ['email'], 'no longer advertised')
        deepEqual(
          diff.endpoints,
          [
            {
              member: 'userinfo_endpoint',
              before: `${op.issuer}/userinfo`,
              after: `${op.issuer}/me`,
            },
          ],
          'endpoints',
        )
        deepEqual(
          diff.supported,
          [{ member: 'response_modes_supported', added: [], removed: ['form_post'] }],
          'supported lists',
        )
        deepEqual(diff.other, ['request_parameter_supported'], 'other members')
        const email = next.contract.find((a) => a.name === 'email')
        equal(email?.advertised, false, 'email kept, not advertised')
        equal(typeof email?.noLongerAdvertisedSince, 'string', 'since when')
        equal(next.provider.userinfo_endpoint, `${op.issuer}/me`, 'new endpoint')
      },
    },
    {
      name: 'configuration: JSON round trip without secrets, restored with credentials',
      async run() {
        const { op, config } = await env.rp('basic', {
          policy: {
            scopes: ['openid', 'email'],
            parameters: [{ name: 'login_hint', rule: 'overridable' }],
          },
          attributeMapping: [{ attribute: 'mail', claim: 'email' }],
          timeoutInMs: 1234,
        })
        const json = JSON.stringify(config)
        ok(!json.includes(SECRET), 'the secret is not serialised')
        const saved = {
          ...JSON.parse(json),
          contract: lib.extendContract(config.contract, ['employee_id']),
        }
        const restored = lib.restoreConfiguration(
          saved,
          { client_secret: SECRET },
          { fetch: op.fetch },
        )
        deepEqual(restored.provider, config.provider, 'provider')
        deepEqual(restored.client, config.client, 'client')
        deepEqual(
          restored.contract.find((a) => a.name === 'employee_id'),
          { name: 'employee_id', origin: 'admin', advertised: false },
          'admin attribute',
        )
        deepEqual(restored.policy, config.policy, 'policy')
        deepEqual(restored.attributeMapping, config.attributeMapping, 'mapping')
        equal(restored.settings.timeoutInMs, 1234, 'settings')
        ok(Object.isFrozen(restored) && Object.isFrozen(restored.provider), 'frozen')
        const result = await env.signIn(restored, op)
        equal(result.attributes.mail, 'alice@example.com', 'restored mapping applies')
        ok(
          result.contract.missing.includes('employee_id'),
          'the admin attribute is reported missing',
        )
        const { config: reloaded } = await lib.reloadMetadata(restored)
        ok(
          reloaded.contract.some((a) => a.name === 'employee_id'),
          'kept by a reload',
        )
      },
    },
    {
      name: "credentials in logs: the runtime's own printer, JSON, String and structuredClone show no secret or private key",
      async run() {
        const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
          'sign',
          'verify',
        ])
        const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
        const d = jwk.d ?? ''
        ok(d.length > 20, 'a private JWK')
        const { op, config } = await env.rp('hs256', {}, { keys: [{ ...jwk, kid: 'log-key' }] })
        // an HS256 sign-in leaves keys made from the secret in the configuration's caches
        equal((await env.signIn(config, op)).claims.sub, 'alice', 'the secret was used')
        const shown = printers().map(({ name, print }) => ({ name, text: print(config) }))
        ok(shown.length >= 4, 'printers ran')
        for (const { name, text } of shown) {
          ok(!text.includes(SECRET), `${name} shows no client secret`)
          ok(!text.includes(d), `${name} shows no private key`)
        }
        // the twin: the printers do print the configuration's data
        for (const { name, text } of shown.filter((p) => !/String|template/.test(p.name))) {
          ok(text.includes(config.issuer), `${name} shows the issuer`)
        }
      },
    },
    {
      name: 'configuration: restoring without the secret or from garbage is refused',
      async run() {
        const { config } = await env.rp('basic')
        const json = JSON.stringify(config)
        await env.expectCode(() => lib.restoreConfiguration(json, {}), 'MISSING_CREDENTIALS')
        await env.expectCode(
          () => lib.restoreConfiguration('{not json', {}),
          'INVALID_CONFIGURATION',
        )
        await env.expectCode(
          () => lib.restoreConfiguration({ provider: 1 }, {}),
          'INVALID_CONFIGURATION',
        )
        equal(
          lib.restoreConfiguration(json, { client_secret: SECRET }).issuer,
          config.issuer,
          'twin',
        )
      },
    },
    {
      name: 'createConfiguration: plain http endpoints are refused unless allowed',
      async run() {
        const { op } = await env.sharedOp()
        const meta = op.metadata()
        const insecure = { ...meta, token_endpoint: 'http://op.example.com/token' }
        const err = await env.expectCode<InstanceType<typeof lib.ValidationError>>(
          () => lib.createConfiguration(insecure, client),
          'DISCOVERY_INSECURE_ENDPOINT',
        )
        equal(err.claim, 'token_endpoint', 'claim')
        const allowed = lib.createConfiguration(insecure, client, { allowInsecureRequests: true })
        equal(allowed.provider.token_endpoint, 'http://op.example.com/token', 'allowed')
      },
    },
    {
      name: 'loopback SSRF: a remote issuer may not point an endpoint at loopback; a loopback issuer may',
      async run() {
        const { op } = await env.sharedOp()
        const remote = { ...op.metadata(), token_endpoint: 'http://127.0.0.1:8080/token' }
        const err = await env.expectCode<InstanceType<typeof lib.ValidationError>>(
          () => lib.createConfiguration(remote, client),
          'DISCOVERY_LOOPBACK_ENDPOINT',
        )
        equal(err.claim, 'token_endpoint', 'claim')
        const local = {
          ...op.metadata(),
          issuer: 'http://127.0.0.1:8080',
          token_endpoint: 'http://localhost:8080/token',
        }
        equal(
          lib.createConfiguration(local, client).provider.token_endpoint,
          'http://localhost:8080/token',
          'twin: loopback issuer',
        )
      },
    },
    {
      name: 'createConfiguration: invalid metadata and client input are refused with their codes',
      async run() {
        const { op } = await env.sharedOp()
        const meta = op.metadata()
        const { jwks_uri: _jwks, ...noJwks } = meta
        await env.expectCode(
          () => lib.createConfiguration(noJwks, client),
          'DISCOVERY_INVALID_METADATA',
        )
        await env.expectCode(
          () => lib.createConfiguration({ ...meta, scopes_supported: 'openid' }, client),
          'DISCOVERY_INVALID_METADATA',
        )
        await env.expectCode(
          () =>
            lib.createConfiguration(meta, { ...client, redirect_uris: ['https://rp.example/#x'] }),
          'INVALID_CONFIGURATION',
        )
        await env.expectCode(
          () => lib.createConfiguration(meta, { client_id: 'x', redirect_uris: [REDIRECT] }),
          'MISSING_CREDENTIALS',
        )
        await env.expectCode(
          () =>
            lib.createConfiguration(meta, {
              client_id: 'x',
              redirect_uris: [REDIRECT],
              token_endpoint_auth_method: 'private_key_jwt',
            }),
          'MISSING_CREDENTIALS',
        )
        await env.expectCode(
          () => lib.createConfiguration(meta, client, { timeoutInMs: -1 }),
          'INVALID_CONFIGURATION',
        )
        equal(lib.createConfiguration(meta, client).issuer, op.issuer, 'twin')
      },
    },
  ]
}

/** The printers of the runtime at hand (Deno, Bun, Node), then those every runtime has. */
function printers(): { name: string; print: (value: object) => string }[] {
  const runtime = globalThis as {
    Deno?: { inspect(value: unknown, options?: object): string }
    Bun?: { inspect(value: unknown, options?: object): string }
    process?: { getBuiltinModule?(id: string): unknown }
  }
  const deep = { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }
  const found: { name: string; print: (value: object) => string }[] = []
  if (runtime.Deno !== undefined) {
    const deno = runtime.Deno
    found.push({ name: 'Deno.inspect', print: (value) => deno.inspect(value, deep) })
  } else if (runtime.Bun !== undefined) {
    const bun = runtime.Bun
    found.push({ name: 'Bun.inspect', print: (value) => bun.inspect(value, deep) })
  } else {
    const util = runtime.process?.getBuiltinModule?.('node:util') as
      | { inspect(value: unknown, options?: object): string }
      | undefined
    if (util !== undefined) {
      found.push({ name: 'util.inspect', print: (value) => util.inspect(value, deep) })
    }
  }
  found.push(
    { name: 'JSON.stringify', print: (value) => JSON.stringify(value) },
    { name: 'String', print: (value) => String(value) },
    { name: 'template literal', print: (value) => `${value}` },
    { name: 'JSON of structuredClone', print: (value) => JSON.stringify(structuredClone(value)) },
  )
  return found
}
