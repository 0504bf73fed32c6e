import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readAtMost } from '../../src/lib/read-stream.js'

/** A stream of the given chunks that records whether it was cancelled; `fail` errors after them. */
function streamOf(chunks: readonly number[][], fail?: Error) {
  const seen = { cancelled: false, pulled: 0 }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[seen.pulled++]
      if (next !== undefined) controller.enqueue(Uint8Array.from(next))
      else if (fail !== undefined) controller.error(fail)
      else controller.close()
    },
    cancel() {
      seen.cancelled = true
    },
  })
  return { stream, seen }
}

describe('readAtMost', () => {
  it('reads every chunk to the end, in order, into one array', async () => {
    const { stream, seen } = streamOf([[1, 2], [3], [4, 5, 6]])
    assert.deepEqual(await readAtMost(stream, 6), Uint8Array.from([1, 2, 3, 4, 5, 6]))
    assert.equal(seen.cancelled, false)
  })

  it('accepts a body of exactly maxBytes', async () => {
    const { stream } = streamOf([[1, 2, 3], [4]])
    assert.deepEqual(await readAtMost(stream, 4), Uint8Array.from([1, 2, 3, 4]))
  })

  it('stops at the chunk that passes maxBytes: undefined, the stream cancelled, nothing more read', async () => {
    const { stream, seen } = streamOf([[1, 2, 3], [4, 5], [6]])
    assert.equal(await readAtMost(stream, 4), undefined)
    assert.equal(seen.cancelled, true)
    assert.equal(seen.pulled, 2)
  })

  it("rejects with the stream's error", async () => {
    const broken = new Error('connection reset')
    const { stream } = streamOf([[1]], broken)
    await assert.rejects(readAtMost(stream, 10), (error) => error === broken)
  })

  it('rejects with `until` when it rejects first, and cancels the stream', async () => {
    const stopped = new Error('aborted')
    let cancelled = false
    // a stream that never answers: only `until` can end the read
    const silent = new ReadableStream<Uint8Array>({
      cancel() {
        cancelled = true
      },
    })
    let stop: (error: Error) => void = () => {}
    const until = new Promise<never>((_, reject) => {
      stop = reject
    })
    const read = readAtMost(silent, 10, until)
    stop(stopped)
    await assert.rejects(read, (error) => error === stopped)
    assert.equal(cancelled, true)
  })
})
