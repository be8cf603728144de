// Small statistics helpers shared by the client runner and the orchestrator.

/**
 * A latency histogram with logarithmic buckets 1 % wide, from 1 µs to about an hour: a few KiB
 * whatever the number of calls, so recording latencies does not grow the client's RSS.
 */
export class LatencyHistogram {
  static #GROWTH = Math.log(1.01)
  static #BUCKETS = 2300 // 1.01^2300 µs ≈ 8.5e9 µs: longer than any run

  constructor () {
    this.counts = new Uint32Array(LatencyHistogram.#BUCKETS)
    this.total = 0
  }

  /** Records one latency, in milliseconds. */
  record (ms) {
    const micros = Math.max(1, ms * 1000)
    const bucket = Math.min(LatencyHistogram.#BUCKETS - 1, Math.floor(Math.log(micros) / LatencyHistogram.#GROWTH))
    this.counts[bucket]++
    this.total++
  }

  /** The latency (ms) under which `fraction` of the calls completed; null when nothing was recorded. */
  percentile (fraction) {
    if (this.total === 0) return null
    const rank = Math.ceil(fraction * this.total)
    let seen = 0
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket]
      // The bucket's geometric middle: within 0.5 % of any latency it holds.
      if (seen >= rank) return Math.exp((bucket + 0.5) * LatencyHistogram.#GROWTH) / 1000
    }
    return null
  }
}

/** The median of the finite numbers in `values`; null when there are none. */
export function median (values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
