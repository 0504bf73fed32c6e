/**
 * The lock that lets one tab at a time refresh a browser session's tokens.
 *
 * @module
 */

/**
 * What a browser session needs of Web Locks (`navigator.locks`): the real one fits.
 * @group Browser
 */
export interface BrowserSessionLocks {
  /**
   * Runs `callback` while holding the lock `name`, once every earlier holder released it.
   * @param name - the lock
   * @param options - always `{ mode: 'exclusive' }`
   * @param callback - what to run under the lock; the lock is released when its promise settles
   * @returns what the callback returned
   */
  request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T>
  /**
   * The locks held now (Web Locks' `query()`), answered in the order the locks were granted.
   *
   * Optional. With it, a tab that refreshed marks the new generation with a lock of its own before
   * it releases the refresh lock, so the next holder learns of the refresh even when the shared
   * storage has not caught up yet (browsers propagate `localStorage` between tabs asynchronously).
   * @returns the held locks
   */
  query?(): Promise<{ readonly held?: readonly { readonly name?: string }[] }>
}

/**
 * The browser's Web Locks, or, where it has none, a lock that only orders the callers of this tab.
 * @returns the locks
 * @internal
 */
export function defaultLocks(): BrowserSessionLocks {
  const locks = (globalThis as { navigator?: { locks?: BrowserSessionLocks } }).navigator?.locks
  if (locks !== undefined) return locks
  tabLocks ??= inTabLocks()
  return tabLocks
}

/** The fallback lock, shared by the sessions of this tab. */
let tabLocks: BrowserSessionLocks | undefined

/** One queue per lock name, in this tab only: each callback starts when the previous settled. */
function inTabLocks(): BrowserSessionLocks {
  const tails = new Map<string, Promise<unknown>>()
  return {
    request(name, _options, callback) {
      const previous = tails.get(name) ?? Promise.resolve()
      const run = previous.then(callback)
      const tail = run.then(
        () => undefined,
        () => undefined,
      )
      tails.set(name, tail)
      void tail.then(() => {
        if (tails.get(name) === tail) tails.delete(name)
      })
      return run
    },
  }
}

/**
 * Marks of the session's latest generation, held as Web Locks.
 *
 * A tab that changed the session holds the lock `<prefix><generation>` until its next mark (or
 * `release`), taken before it lets the refresh lock go. The next holder of the refresh lock reads
 * the marks with `query()`, which answers in the order locks were granted: it learns of the change
 * even when `localStorage` has not reached it yet (browsers hand storage to other tabs late).
 * @internal
 */
export interface GenerationMarks {
  /** Holds a generation's mark, letting this tab's previous one go; at once without `query`. */
  mark(generation: number): Promise<void>
  /** The latest generation any tab marked; 0 when none, or without `query`. */
  latest(): Promise<number>
  /** Lets this tab's mark go. */
  release(): void
}

/**
 * Makes the generation marks of a session.
 * @param locks - the lock manager
 * @param prefix - the marks' name before the generation, e.g. `<name>.generation.`
 * @returns the marks
 * @internal
 */
export function generationMarks(locks: BrowserSessionLocks, prefix: string): GenerationMarks {
  let releaseMark: (() => void) | undefined
  return {
    mark(generation) {
      if (locks.query === undefined) return Promise.resolve()
      return new Promise((held) => {
        locks
          .request(prefix + generation, { mode: 'exclusive' }, () => {
            releaseMark?.()
            held()
            return new Promise<void>((release) => {
              releaseMark = release
            })
          })
          .then(undefined, () => held())
      })
    },
    async latest() {
      const held = (await locks.query?.())?.held ?? []
      let latest = 0
      for (const lock of held) {
        if (!lock.name?.startsWith(prefix)) continue
        const marked = Number(lock.name.slice(prefix.length))
        if (Number.isSafeInteger(marked) && marked > latest) latest = marked
      }
      return latest
    },
    release() {
      releaseMark?.()
    },
  }
}
