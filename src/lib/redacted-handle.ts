/**
 * A handle that prints as a fixed text: secrets behind it never reach a printer or serialiser.
 * @module
 */

/**
 * The base of handles to secrets: every way of printing or serialising it shows `shown` only.
 *
 * The secrets live elsewhere (a `WeakMap` keyed by the handle, or private fields), so neither
 * `JSON.stringify`, `String`, Node's `util.inspect` (Bun's too) nor `Deno.inspect` reaches them.
 * @internal
 */
export abstract class RedactedHandle {
  /** What every printer shows (a getter on the prototype: no own property to enumerate). */
  protected abstract get shown(): string
  /** What `String(handle)` and template literals show. */
  toString(): string {
    return this.shown
  }
  /** What `JSON.stringify` shows, should the handle itself be given to it. */
  toJSON(): string {
    return this.shown
  }
  /** Node's `util.inspect` (`console.log`, `util.format`); Bun's and Deno's inspect read it too. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.shown
  }
  /** Deno's `Deno.inspect` and `console.log`. */
  [Symbol.for('Deno.customInspect')](): string {
    return this.shown
  }
}
