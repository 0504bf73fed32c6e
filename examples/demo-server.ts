/**
 * Starts the demo (its OP and its RP) on 127.0.0.1, for `npm run demo` and for the browser test.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import { toNodeMiddleware } from '../src/web/index.js'
import type { RunningOp } from '../test/interop/op-server.js'
import { CHANGED_CLAIMS, startDemoOp, startPartnerOp } from './demo-op.js'
import { createDemoRp } from './demo-rp.js'

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** The RP's port; default 0 (ephemeral). The OP always takes an ephemeral port. */
  readonly port?: number
}

/** The running demo. */
export interface RunningDemo {
  /** The RP's origin, e.g. `http://127.0.0.1:4000`: open `${rpUrl}/`. */
  readonly rpUrl: string
  /** The OP as it runs now (the demo's "OP changed" button restarts it on the same issuer). */
  readonly op: RunningOp
  /** The partner's OP, the registry's second connection. */
  readonly partner: RunningOp
  /** Stops the RP and the OP. */
  close(): Promise<void>
}

/**
 * Starts the demo OP and the demo RP on 127.0.0.1.
 * @param options - the RP's port
 * @returns the RP's URL, the OP, and `close()`
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const clientSecret = randomBytes(32).toString('base64url')
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const keyMeta = { kid: 'demo-rp-1', alg: 'RS256', use: 'sig' }
  const rpPublicKey = { ...(await exportJWK(publicKey)), ...keyMeta }
  const rpPrivateKey = { ...(await exportJWK(privateKey)), ...keyMeta }

  // The RP listens first: the OP registers its redirect URIs, the RP then discovers the OP.
  const rpServer = createServer()
  await new Promise<void>((resolve, reject) => {
    rpServer.once('error', reject)
    rpServer.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const rpUrl = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}`
  const closeRp = () =>
    new Promise<void>((resolve) => {
      rpServer.closeAllConnections()
      rpServer.close(() => resolve())
    })
  const opOptions = { rpOrigin: rpUrl, clientSecret, rpPublicKey }
  let op: RunningOp
  let partner: RunningOp
  try {
    ;[op, partner] = await Promise.all([startDemoOp(opOptions), startPartnerOp(opOptions)])
  } catch (err) {
    await closeRp()
    throw err
  }
  try {
    const rp = await createDemoRp({
      issuer: op.issuer,
      partnerIssuer: partner.issuer,
      origin: rpUrl,
      clientSecret,
      privateKey: rpPrivateKey,
      async changeOp() {
        const restart = { port: op.port, jwks: op.jwks }
        await op.close()
        op = await startDemoOp({ ...opOptions, restart, claims: CHANGED_CLAIMS })
      },
    })
    rpServer.on('request', toNodeMiddleware(rp, rpUrl))
  } catch (err) {
    await Promise.all([closeRp(), op.close(), partner.close()])
    throw err
  }
  return {
    rpUrl,
    get op() {
      return op
    },
    partner,
    close: async () => {
      await Promise.all([closeRp(), op.close(), partner.close()])
    },
  }
}
