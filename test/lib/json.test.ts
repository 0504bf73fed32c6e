import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  clip,
  cloneJson,
  decodeUtf8,
  deepFreeze,
  describe as describeValue,
  isPlainObject,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
  parseJsonObjectText,
  parseJsonOrUndefined,
  quoted,
  shown,
} from '../../src/lib/json.js'

/** An object nested `levels` deep: `{ a: { a: … {} } }` (a flat `{}` is one level). */
function nested(levels: number): unknown {
  let value: unknown = {}
  for (let i = 1; i < levels; i++) value = { a: value }
  return value
}

describe('nestedDeeperThan', () => {
  it('a value one level deeper than the limit is deeper', () => {
    assert.equal(nestedDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true)
    assert.equal(nestedDeeperThan([[[]]], 2), true)
  })

  it('twin: a value exactly at the limit, and scalars, are not', () => {
    assert.equal(nestedDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false)
    assert.equal(nestedDeeperThan([[]], 2), false)
    assert.equal(nestedDeeperThan('text', 0), false)
    assert.equal(nestedDeeperThan(null, 0), false)
  })

  it('walks a value far deeper than the stack allows without recursion', () => {
    assert.equal(nestedDeeperThan(nested(100_000), MAX_JSON_DEPTH), true)
  })
})

describe('decodeUtf8', () => {
  it('refuses invalid UTF-8 with a TypeError', () => {
    assert.throws(() => decodeUtf8(new Uint8Array([0x61, 0xff, 0x62])), TypeError)
    assert.throws(() => decodeUtf8(new Uint8Array([0xc3])), TypeError)
  })

  it('twin: decodes valid UTF-8, multi-byte characters included', () => {
    assert.equal(decodeUtf8(new TextEncoder().encode('aé€😀')), 'aé€😀')
  })
})

describe('isPlainObject', () => {
  it('is false for arrays, null and scalars', () => {
    for (const value of [[], null, undefined, 'x', 1, true]) {
      assert.equal(isPlainObject(value), false, String(value))
    }
  })

  it('twin: is true for objects', () => {
    assert.equal(isPlainObject({}), true)
    assert.equal(isPlainObject({ a: 1 }), true)
    assert.equal(isPlainObject(Object.create(null)), true)
  })
})

describe('deepFreeze and cloneJson', () => {
  it('deepFreeze freezes every level, and a cycle ends the walk', () => {
    const value: Record<string, unknown> = { a: { b: [1, { c: 2 }] } }
    value.self = value
    assert.equal(deepFreeze(value), value)
    const a = value.a as { b: [number, { c: number }] }
    assert.ok(Object.isFrozen(value) && Object.isFrozen(a) && Object.isFrozen(a.b))
    assert.ok(Object.isFrozen(a.b[1]))
    assert.throws(() => {
      ;(a.b[1] as { c: number }).c = 3
    }, TypeError)
  })

  it('cloneJson copies deeply: the copy of a frozen value is neither frozen nor shared, undefined members dropped', () => {
    const frozen = deepFreeze({ a: { b: [1] }, skip: undefined })
    const copy = cloneJson(frozen)
    assert.deepEqual(copy, { a: { b: [1] } })
    assert.ok(!Object.isFrozen(copy) && !Object.isFrozen(copy.a))
    assert.notEqual(copy.a, frozen.a)
  })
})

describe('clip, shown, quoted, describe', () => {
  it('clip cuts a string over 80 characters to 77 and ...', () => {
    const long = 'x'.repeat(81)
    assert.equal(clip(long), `${'x'.repeat(77)}...`)
    assert.equal(clip(long).length, 80)
  })

  it('twin: clip keeps a string of 80 characters or fewer as it is', () => {
    const exact = 'y'.repeat(80)
    assert.equal(clip(exact), exact)
    assert.equal(clip(''), '')
  })

  it('shown clips strings, cuts arrays to 10 entries and names objects', () => {
    assert.equal(shown('z'.repeat(100)), `${'z'.repeat(77)}...`)
    assert.deepEqual(shown(Array.from({ length: 12 }, (_, i) => i)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.equal(shown({ secret: 'value' }), 'an object')
    assert.deepEqual(shown([{ a: 1 }, 'b']), ['an object', 'b'])
    assert.equal(shown(5), 5)
    assert.equal(shown(null), null)
  })

  it('quoted gives the JSON text of what shown keeps', () => {
    assert.equal(quoted('a"b'), '"a\\"b"')
    assert.equal(quoted({ a: 1 }), '"an object"')
    assert.equal(quoted(['x', 2]), '["x",2]')
    assert.equal(quoted(undefined), 'undefined')
  })

  it('describe names the type and quotes strings, clipped', () => {
    assert.equal(describeValue(undefined), 'nothing')
    assert.equal(describeValue('abc'), '"abc"')
    assert.equal(describeValue('w'.repeat(90)), JSON.stringify(`${'w'.repeat(77)}...`))
    assert.equal(describeValue([1]), 'an array')
    assert.equal(describeValue(null), 'null')
    assert.equal(describeValue({ a: 1 }), 'an object')
    assert.equal(describeValue(5), 'number 5')
    assert.equal(describeValue(false), 'boolean false')
  })
})

it('parseJsonOrUndefined: JSON text parses; absent or broken text is undefined, never thrown', () => {
  assert.deepEqual(parseJsonOrUndefined('{"a":[1,null]}'), { a: [1, null] })
  assert.equal(parseJsonOrUndefined('null'), null)
  assert.equal(parseJsonOrUndefined(null), undefined)
  assert.equal(parseJsonOrUndefined('{"a":'), undefined)
})

it('parseJsonObjectText: an object parses; broken JSON, a non-object and too deep a nesting are refused through the callback', () => {
  const refuse = (problem: string) => new Error(problem)
  assert.deepEqual(parseJsonObjectText('{"a":{"b":1}}', refuse), { a: { b: 1 } })
  assert.throws(() => parseJsonObjectText('{"a":', refuse), { message: 'is not valid JSON' })
  assert.throws(() => parseJsonObjectText('[1]', refuse), { message: 'is not a JSON object' })
  const deep = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`
  assert.throws(() => parseJsonObjectText(deep, refuse), {
    message: `is nested deeper than ${MAX_JSON_DEPTH} levels`,
  })
})
