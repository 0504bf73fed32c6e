/**
 * Serves a fetch handler on 127.0.0.1 with the runtime's own server: `Bun.serve`, `Deno.serve`, or
 * `@hono/node-server` on Node. Not authentication: what lets one Hono file run on all three.
 * @module
 */
type FetchHandler = (request: Request) => Response | Promise<Response>

/**
 * Starts the server and prints `listening <url>` once it accepts requests.
 * @param fetch - the application
 * @param port - the port
 * @param url - the URL to print
 */
export async function serve(fetch: FetchHandler, port: number, url: string): Promise<void> {
  const runtime = globalThis as {
    Bun?: { serve(options: { fetch: FetchHandler; port: number; hostname: string }): unknown }
    Deno?: { serve(options: { port: number; hostname: string }, fetch: FetchHandler): unknown }
  }
  const hostname = '127.0.0.1'
  if (runtime.Bun) runtime.Bun.serve({ fetch, port, hostname })
  else if (runtime.Deno) runtime.Deno.serve({ port, hostname }, fetch)
  else {
    const { serve: nodeServe } = await import('@hono/node-server')
    await new Promise<void>((resolve) => nodeServe({ fetch, port, hostname }, () => resolve()))
  }
  console.log(`listening ${url}`)
}
