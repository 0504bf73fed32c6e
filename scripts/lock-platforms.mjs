// The registry this project installs from serves only linux-x64 builds of platform packages, so npm leaves the
// other platforms' optional packages out of package-lock.json and `npm ci` then calls the lock out of sync.
// This script adds a lock entry, marked optional with its os/cpu, for each such package; npm skips them on
// platforms they do not match, without fetching. Run it after every `npm install`.
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages
const platform = (name) => {
  const os = [
    'darwin',
    'win32',
    'windows',
    'android',
    'freebsd',
    'openbsd',
    'netbsd',
    'sunos',
    'aix',
    'linux',
  ].find((o) => name.includes(o))
  const cpu = [
    'arm64',
    'aarch64',
    'x64',
    'ia32',
    'arm',
    'ppc64',
    's390x',
    'riscv64',
    'loong64',
    'mips64el',
    '64',
  ].find((c) => name.replace(os ?? '', '').includes(c))
  return {
    os: [os === 'windows' ? 'win32' : (os ?? 'unknown')],
    cpu: [cpu === 'aarch64' ? 'arm64' : cpu === '64' || cpu === undefined ? 'x64' : cpu],
    ...(name.includes('musl') ? { libc: ['musl'] } : {}),
  }
}
let added = 0
for (const [key, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key === '' ? 'node_modules/' : `${key}/node_modules/`
    if (packages[`${base}${dep}`] || packages[`node_modules/${dep}`]) continue
    packages[`node_modules/${dep}`] = { version, dev: entry.dev, optional: true, ...platform(dep) }
    added++
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
)
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`added ${added} platform entries`)
