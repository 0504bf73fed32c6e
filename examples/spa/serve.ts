/**
 * Bundles the single-page application (`app.ts`) with esbuild, as a user's bundler would
 * (`--bundle --minify --format=esm --platform=browser --splitting`), and serves it with a plain
 * static server on 127.0.0.1:$PORT under a strict Content-Security-Policy; prints
 * `listening <APP_URL>` once it accepts connections.
 *
 * Run: ISSUER=… CLIENT_ID=… APP_URL=http://127.0.0.1:8080 PORT=8080
 * node --import tsx examples/spa/serve.ts [dir]
 *
 * With `dir`, serves what {@link bundleSpa} wrote there; without, bundles into a temporary
 * directory first (removed on exit). Writes `config.json` there: the issuer, the client id, and the
 * page as the redirect URI. The OP must register the client as public
 * (`token_endpoint_auth_method: 'none'`), with the redirect URIs `<APP_URL>/` and
 * `<APP_URL>/?store=local`, the post-logout redirect URI `<APP_URL>/`, and allow `APP_URL` as a
 * CORS origin.
 * @module
 */
import { rmSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, type Metafile } from 'esbuild'

const HERE = import.meta.dirname
const ROOT = join(HERE, '..', '..')

/**
 * Bundles `app.ts` (its imports of `oidc-rp` resolve to the package's own `dist/`: run
 * `npm run build` first) into `dir`, with `index.html` beside it.
 * @param dir - the output directory (created; keep it out of the repository)
 * @returns esbuild's metafile (paths relative to the repository root)
 */
export async function bundleSpa(dir: string): Promise<Metafile> {
  await mkdir(dir, { recursive: true })
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(HERE, 'app.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: dir,
    metafile: true,
    logLevel: 'warning',
  })
  await copyFile(join(HERE, 'index.html'), join(dir, 'index.html'))
  return metafile
}

/** The content type of each kind of file served; anything else is not found. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
}

/**
 * The page's Content-Security-Policy: its own scripts only, requests to itself and the OP only.
 * @param issuer - the OP
 * @returns the header's value
 */
export function contentSecurityPolicy(issuer: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self' ${new URL(issuer).origin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ')
}

/**
 * Serves the files of `dir` (flat: `index.html` at `/`) on 127.0.0.1:`port`.
 * @param dir - the bundle's directory
 * @param port - the port
 * @param csp - the Content-Security-Policy of every answer
 * @returns once it accepts connections
 */
async function serve(dir: string, port: number, csp: string): Promise<void> {
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const file = pathname === '/' ? 'index.html' : pathname.slice(1)
    const type = TYPES[extname(file)]
    const body =
      (req.method === 'GET' || req.method === 'HEAD') &&
      /^[\w-]+(\.[\w-]+)*$/.test(file) && // one file of dir: no path, no `..`
      type !== undefined
        ? await readFile(join(dir, file)).catch(() => undefined)
        : undefined
    res.setHeader('content-security-policy', csp)
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('cache-control', 'no-store')
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end() // no icon, and no 404 in the console
      return
    }
    if (body === undefined || type === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': type, 'content-length': body.byteLength })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = Object.fromEntries(
    ['ISSUER', 'CLIENT_ID', 'APP_URL', 'PORT'].map((name) => {
      const value = process.env[name]
      if (!value) throw new Error(`set ${name} in the environment`)
      return [name, value]
    }),
  ) as Record<'ISSUER' | 'CLIENT_ID' | 'APP_URL' | 'PORT', string>
  let dir = process.argv[2]
  if (dir === undefined) {
    const temporary = await mkdtemp(join(tmpdir(), 'oidc-rp-spa-'))
    process.once('exit', () => rmSync(temporary, { recursive: true, force: true }))
    await bundleSpa(temporary)
    dir = temporary
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
  const config = { issuer: env.ISSUER, client_id: env.CLIENT_ID, redirect_uri: `${env.APP_URL}/` }
  await writeFile(join(dir, 'config.json'), JSON.stringify(config))
  await serve(dir, Number(env.PORT), contentSecurityPolicy(env.ISSUER))
  console.log(`listening ${env.APP_URL}`)
}
