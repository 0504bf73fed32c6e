/**
 * Fakes of the browser parts `oidc-rp/browser` uses, for Node (which has `BroadcastChannel` but
 * neither Web Locks nor web storage): a Web Locks queue, a `Storage`, and a channel whose messages
 * wait until the test releases them.
 */
import type {
  BrowserSession,
  BrowserSessionChannel,
  BrowserSessionLocks,
  BrowserSessionStorage,
  SessionChange,
} from '../../src/browser/index.js'

/** Web Locks as a per-name FIFO queue: one callback at a time per name, in the order asked. */
export class FakeLocks implements BrowserSessionLocks {
  /** How many times a lock was asked for. */
  requested = 0
  private readonly tails = new Map<string, Promise<unknown>>()

  request<T>(name: string, _options: { mode: 'exclusive' }, callback: () => Promise<T>) {
    this.requested++
    const run = (this.tails.get(name) ?? Promise.resolve()).then(callback)
    this.tails.set(
      name,
      run.then(
        () => undefined,
        () => undefined,
      ),
    )
    return run
  }
}

/** {@link FakeLocks} with `query()`: the names of the locks whose callbacks run now. */
export class QueryableFakeLocks extends FakeLocks {
  private readonly held: string[] = []

  override request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>) {
    return super.request(name, options, async () => {
      this.held.push(name)
      try {
        return await callback()
      } finally {
        this.held.splice(this.held.indexOf(name), 1)
      }
    })
  }

  async query() {
    return { held: this.held.map((name) => ({ name })) }
  }
}

/** A `Storage` in memory. */
export class MemoryStorage implements BrowserSessionStorage, Storage {
  readonly items = new Map<string, string>()
  get length(): number {
    return this.items.size
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value))
  }
  removeItem(key: string): void {
    this.items.delete(key)
  }
  clear(): void {
    this.items.clear()
  }
}

/**
 * Channels of one name that hold every message until {@link HeldChannels.release}: a test decides
 * when another tab's message arrives (or that it never does).
 */
export class HeldChannels {
  private readonly open = new Set<HeldChannel>()
  private held: { from: HeldChannel; data: unknown }[] = []

  /** The factory to give as the `channel` option. */
  readonly factory = (_name: string): BrowserSessionChannel => {
    const channel = new HeldChannel(this)
    this.open.add(channel)
    return channel
  }

  /** How many messages wait. */
  get waiting(): number {
    return this.held.length
  }

  /** @internal */
  post(from: HeldChannel, data: unknown): void {
    this.held.push({ from, data: structuredClone(data) })
  }

  /** @internal */
  closed(channel: HeldChannel): void {
    this.open.delete(channel)
  }

  /** Delivers every held message to every other open channel. */
  release(): void {
    const held = this.held
    this.held = []
    for (const { from, data } of held) {
      for (const channel of this.open) if (channel !== from) channel.deliver(data)
    }
  }
}

class HeldChannel implements BrowserSessionChannel {
  private readonly listeners: ((event: { readonly data: unknown }) => void)[] = []
  constructor(private readonly hub: HeldChannels) {}
  postMessage(message: unknown): void {
    this.hub.post(this, message)
  }
  addEventListener(_type: 'message', listener: (event: { readonly data: unknown }) => void): void {
    this.listeners.push(listener)
  }
  close(): void {
    this.hub.closed(this)
  }
  deliver(data: unknown): void {
    for (const listener of this.listeners) listener({ data })
  }
}

/**
 * The next change of a session.
 * @param session - the session
 * @returns a promise of its next change
 */
export function nextChange(session: BrowserSession): Promise<SessionChange> {
  return new Promise((resolve) => {
    const stop = session.onChange((change) => {
      stop()
      resolve(change)
    })
  })
}

/** Lets every queued task and message run (Node's BroadcastChannel delivers on the event loop). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}
