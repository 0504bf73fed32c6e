/**
 * Connection stores: in memory, and one JSON document the application reads and writes.
 *
 * Both keep each {@link ConnectionRecord} as a deep copy, so nothing a caller holds changes what
 * is stored, and both refuse a write made from an older revision.
 *
 * @module
 */
import { TransportError, UsageError } from '../errors.js'
import { cloneJson, isPlainObject } from '../lib/json.js'
import type { ConnectionRecord, ConnectionStore } from '../storage.js'

/**
 * A {@link ConnectionStore} in this process's memory.
 *
 * For tests and single-process applications: connections are lost when the process ends.
 * @returns the store
 * @group Connections
 */
export function createMemoryConnectionStore(): ConnectionStore {
  const records = new Map<string, ConnectionRecord>()
  return documentStore({
    read: () => records,
    write: (next) => {
      records.clear()
      for (const [id, record] of next) records.set(id, record)
    },
  })
}

/**
 * Options of {@link createJsonConnectionStore}.
 * @group Connections
 */
export interface JsonConnectionStoreOptions {
  /**
   * Reads the document; `undefined` (or empty text) when it does not exist yet.
   *
   * For example `() => readFile(path, 'utf8').catch(() => undefined)`.
   */
  readonly read: () => Promise<string | undefined>
  /**
   * Writes the whole document.
   *
   * Write a temporary file and rename it over the old one, so a crash never leaves half a document.
   */
  readonly write: (text: string) => Promise<void>
}

/**
 * A {@link ConnectionStore} kept as one JSON document (an array of records).
 *
 * Reads and writes go through the application's functions, so it works with a file, a KV entry
 * or a secret manager on every runtime. Writes in this process are serialised; several processes
 * writing one file need a database store instead. Credentials are never in the document.
 * @param options - how to read and write the document
 * @returns the store
 * @throws `UsageError` `INVALID_ARGUMENT` for options without `read` and `write` functions
 * @example
 * ```ts
 * import { readFile, rename, writeFile } from 'node:fs/promises'
 * const store = createJsonConnectionStore({
 *   read: () => readFile('connections.json', 'utf8').catch(() => undefined),
 *   write: async (text) => {
 *     await writeFile('connections.json.tmp', text)
 *     await rename('connections.json.tmp', 'connections.json')
 *   },
 * })
 * ```
 * @group Connections
 */
export function createJsonConnectionStore(options: JsonConnectionStoreOptions): ConnectionStore {
  if (typeof options?.read !== 'function' || typeof options.write !== 'function') {
    throw new UsageError('INVALID_ARGUMENT', 'the JSON connection store needs read and write', {
      parameter: 'options',
    })
  }
  return documentStore({
    read: async () => parseDocument(await options.read()),
    write: (next) => options.write(`${JSON.stringify([...next.values()], null, 2)}\n`),
  })
}

interface Document {
  read(): Map<string, ConnectionRecord> | Promise<Map<string, ConnectionRecord>>
  write(next: Map<string, ConnectionRecord>): void | Promise<void>
}

/** A store over a whole document, its writes one at a time. */
function documentStore(document: Document): ConnectionStore {
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work)
    queue = run.catch(() => undefined)
    return run
  }
  const change = (edit: (records: Map<string, ConnectionRecord>) => boolean) =>
    serial(async () => {
      const next = new Map(await document.read())
      if (!edit(next)) return false
      await document.write(next)
      return true
    })
  return {
    list: async () => [...(await document.read()).values()].map(cloneJson),
    get: async (id) => {
      const record = (await document.read()).get(id)
      return record === undefined ? undefined : cloneJson(record)
    },
    put: (record) =>
      change((records) => {
        if ((records.get(record.id)?.revision ?? 0) !== record.revision - 1) return false
        records.set(record.id, cloneJson(record))
        return true
      }),
    delete: (id) => change((records) => records.delete(id)),
  }
}

function parseDocument(text: string | undefined): Map<string, ConnectionRecord> {
  const records = new Map<string, ConnectionRecord>()
  if (text === undefined || text.trim() === '') return records
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw unreadable('is not JSON', cause)
  }
  if (!Array.isArray(value)) throw unreadable('is not an array of connections')
  for (const record of value) {
    if (!isPlainObject(record) || typeof record.id !== 'string' || records.has(record.id)) {
      throw unreadable('holds an entry without a unique id')
    }
    records.set(record.id, record as unknown as ConnectionRecord)
  }
  return records
}

function unreadable(problem: string, cause?: unknown): TransportError {
  return new TransportError('STORE_ERROR', `the connection document ${problem}`, {
    ...(cause === undefined ? {} : { cause }),
  })
}
