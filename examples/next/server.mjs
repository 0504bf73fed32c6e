/**
 * Starts the built Next.js recipe (`next build` first) on 127.0.0.1:$PORT and prints
 * `listening $APP_URL` once it serves: Next's documented custom server, nothing of authentication.
 */
import { createServer } from 'node:http'
import next from 'next'

const app = next({
  dir: import.meta.dirname,
  dev: false,
  hostname: '127.0.0.1',
  port: Number(process.env.PORT),
})
await app.prepare()
const handle = app.getRequestHandler()
createServer((req, res) => handle(req, res)).listen(Number(process.env.PORT), '127.0.0.1', () =>
  console.log(`listening ${process.env.APP_URL}`),
)
