// The short form of `npm run soak` (scripts/soak.mjs): load with accounting across every provider,
// with injected faults. Every Promise settles, the outcomes add up exactly, no descriptor leaks,
// the resident set stays bounded and nothing rejects unhandled.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { soak, PROVIDERS } from '../scripts/soak.mjs'

test('soak: 9,600 verifications at concurrency 400 with 1% faults add up exactly', async (t) => {
  // 1,200 calls a provider: a whole number for the eight.
  const report = await soak({ total: 9600, concurrency: 400, faultEvery: 100, log: (line) => t.diagnostic(line) })
  const detail = JSON.stringify({ failures: report.failures, unexpected: report.unexpectedSamples }, null, 2)

  // Every Promise settled, each within its deadline.
  assert.equal(report.settled, report.total, `calls never settled: ${detail}`)
  assert.equal(report.unsettled, 0, detail)
  assert.equal(report.late, 0, `calls past the ${report.deadlineMs} ms deadline: ${detail}`)

  // One fault rule in a hundred calls, for every provider in turn.
  assert.equal(report.faultsInjected, 96)
  assert.equal(PROVIDERS.length, 8)
  for (const provider of PROVIDERS) {
    const account = report.perProvider[provider]
    assert.equal(account.calls, 1200, provider)
    assert.equal(account.unexpected, 0, `${provider}: unexpected outcomes: ${detail}`)
    assert.ok(account.expectedNonPasses > 0, `${provider}: no non-delay fault was injected`)
    assert.equal(account.nonPasses, account.expectedNonPasses, `${provider}: non-passes against the faults injected for it`)
    assert.equal(account.passes, account.calls - account.expectedNonPasses, `${provider}: passes`)
    assert.equal(account.passes + account.nonPasses, account.calls, `${provider}: outcomes add up to the calls`)
    // Each kind of outcome as often as the faults that produce it.
    assert.deepEqual(account.outcomes, account.expectedOutcomes, `${provider}: outcomes by kind`)
  }
  const t0 = report.totals
  assert.equal(t0.passes + t0.nonPasses, report.total, 'passes + non-passes = total')
  assert.equal(t0.nonPasses, t0.expectedNonPasses)
  assert.equal(report.emulator.requests, report.total, 'one request per call, no retry, none lost')

  // Resources.
  if (report.fds.checked) {
    assert.ok(Math.abs(report.fds.after - report.fds.before) <= report.fds.tolerance,
      `file descriptors ${report.fds.before} before, ${report.fds.after} after`)
  } else {
    t.diagnostic(report.fds.note)
  }
  assert.ok(report.rss.growthMiB < report.rss.boundMiB, `rss grew ${report.rss.growthMiB} MiB (${report.rss.bound})`)
  assert.equal(report.unhandled, 0, `unhandled rejections: ${detail}`)

  // And the script's own verdict agrees.
  assert.deepEqual(report.failures, [])
  assert.equal(report.ok, true)
})
