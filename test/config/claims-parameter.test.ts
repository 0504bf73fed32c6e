import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  claimsParameterText,
  claimsRequirements,
  hasRepeatedMembers,
  isClaimsRequest,
} from '../../src/config/claims-parameter.js'

describe('the claims parameter (OIDC Core §5.5)', () => {
  it('reads the requirements: essential acr values, essential auth_time, any mention of acr', () => {
    assert.deepEqual(
      claimsRequirements({
        id_token: { acr: { essential: true, value: 'urn:a' }, auth_time: { essential: true } },
      }),
      { acr: ['urn:a'], authTime: true, mentionsAcr: true },
    )
    assert.deepEqual(claimsRequirements({ id_token: { acr: { values: ['urn:a'] } } }), {
      acr: undefined,
      authTime: false,
      mentionsAcr: true,
    })
    assert.deepEqual(claimsRequirements({ userinfo: { acr: null } }).mentionsAcr, true)
    assert.deepEqual(claimsRequirements(undefined), {
      acr: undefined,
      authTime: false,
      mentionsAcr: false,
    })
  })

  it('checks the shape of an application claims request', () => {
    assert.equal(
      isClaimsRequest({ id_token: { email: null }, userinfo: { name: { essential: true } } }),
      true,
    )
    assert.equal(isClaimsRequest({ id_token: [] }), false)
    assert.equal(isClaimsRequest({ userinfo: { email: 'yes' } }), false)
    assert.equal(isClaimsRequest([]), false)
  })

  it('a member repeated anywhere in the text is refused; the twin without repetition is read', () => {
    assert.equal(hasRepeatedMembers('{"id_token":{"acr":null},"id_token":{}}'), true)
    assert.equal(hasRepeatedMembers('{"userinfo":{"email":null,"email" :{}}}'), true)
    assert.equal(hasRepeatedMembers('{"id_token":{"acr":null},"userinfo":{"acr":null}}'), false)
    assert.equal(hasRepeatedMembers('{"a":["a","a"],"b":"a"}'), false)
    assert.equal(claimsParameterText('{"id_token":{"acr":null},"id_token":{}}'), undefined)
    assert.equal(claimsParameterText('{"id_token":{"acr":null}}'), '{"id_token":{"acr":null}}')
  })

  it('the text sent is the one checked: an object or spaced JSON is written one way', () => {
    const text = '{ "userinfo" : { "email" : null } }'
    assert.equal(claimsParameterText(text), '{"userinfo":{"email":null}}')
    assert.equal(claimsParameterText({ userinfo: { email: null } }), '{"userinfo":{"email":null}}')
  })

  it('anything but a claims request is undefined: bad JSON, another shape, a value JSON cannot write', () => {
    for (const raw of ['not json', '[]', '{"id_token":[]}', '{"userinfo":{"email":"yes"}}', 42n]) {
      assert.equal(claimsParameterText(raw), undefined, String(raw))
    }
  })
})
