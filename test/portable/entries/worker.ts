/**
 * The bundle entry for workerd: an ES module worker whose fetch handler runs the suite and answers
 * with the JSON report (`?filter=` selects cases by name).
 */
import { runSuite } from './run.js'

export default {
  async fetch(request: Request): Promise<Response> {
    const filter = new URL(request.url).searchParams.get('filter') ?? undefined
    try {
      const report = await runSuite('workerd', { filter })
      return new Response(JSON.stringify(report), {
        headers: { 'content-type': 'application/json' },
      })
    } catch (err) {
      return new Response(String(err instanceof Error ? err.stack : err), { status: 500 })
    }
  },
}
