// Type tests for the Swetrix drop-in: code written for @swetrix/captcha-validator, with only the
// import line changed, plus our options. Compiled by `tsc -p __test__/types`, never run.

import { validateToken, isProviderUnavailable } from 'captcha-native'
import type {
  SwetrixOptions,
  SwetrixValidationData,
  SwetrixValidationResult,
  ProxyConfig,
} from 'captcha-native'

declare const token: string
declare const secret: string
declare const body: any

// ---------------------------------------------------------------------------------------------
// The package's own usage

export function packageUsage(): Promise<void> {
  // The seed, verbatim: the status narrows the data.
  return validateToken(token, secret).then(([status, data]) => {
    if (status) {
      const challenge: string | undefined = data.challenge
      const timestamp: number | undefined = data.timestamp
      const pid: string | undefined = data.pid
      // Older servers' fields pass through untouched.
      const hash: unknown = data.hash
      void [challenge, timestamp, pid, hash]

      // @ts-expect-error: data is an object here, not the message
      const asText: string = data
      void asText
    } else {
      const message: string = data
      console.log('CAPTCHA failed:', message.toUpperCase())

      // @ts-expect-error: on failure the second element is the message, a string
      void data.challenge
    }
  })
}

export async function awaited(): Promise<boolean> {
  const [status, data] = await validateToken(body, process.env.SWETRIX_SECRET)
  if (!status) {
    const message: string = data
    return message.length < 0
  }
  const timestamp = data.timestamp ?? Date.now()
  return timestamp > 0
}

export async function indexed(): Promise<void> {
  // The tuple kept whole, narrowed by its first element.
  const result: SwetrixValidationResult = await validateToken({ token }, secret)
  if (result[0]) {
    const data: SwetrixValidationData = result[1]
    void data
  } else {
    const message: string = result[1]
    void message
  }

  // Still assignable to the package's loose type.
  const loose: [boolean, any] = await validateToken(token, secret)
  const first: boolean = loose[0]
  void first
}

export async function tokenShapes(): Promise<void> {
  // A string, an object with `token` (req.body), or anything at all: never a compile error.
  await validateToken(token, secret)
  await validateToken({ token }, secret)
  await validateToken({}, secret)
  await validateToken(undefined, secret)
  await validateToken(null, secret)
  await validateToken(body, secret)
  await validateToken(body.token, secret)

  // An undefined secret is allowed (left out of the request), but must be passed.
  await validateToken(token, undefined)
  await validateToken(token, process.env.SWETRIX_SECRET)
}

// ---------------------------------------------------------------------------------------------
// The API URL and our options

export async function options(): Promise<void> {
  await validateToken(token, secret, 'https://swetrix.example.com/v1/captcha')
  await validateToken(token, secret, process.env.SWETRIX_API_URL)
  await validateToken(token, secret, undefined, { timeoutMs: 2000 })

  const proxy: ProxyConfig = { host: 'proxy.internal', port: 3128 }
  const configured: SwetrixOptions = { timeoutMs: 5000, proxy }
  await validateToken(token, secret, undefined, configured)
  await validateToken(token, secret, undefined, { proxy: false })
  await validateToken(token, secret, undefined, {})

  // @ts-expect-error: the secret is required (undefined must be said)
  void validateToken(token)

  // @ts-expect-error: the secret is a string
  void validateToken(token, 42)

  // @ts-expect-error: the API URL is a string
  void validateToken(token, secret, new URL('https://swetrix.example.com'))

  // @ts-expect-error: timeouts are numbers of milliseconds
  void validateToken(token, secret, undefined, { timeoutMs: '5000' })

  // @ts-expect-error: proxy is an object or false, never true
  void validateToken(token, secret, undefined, { proxy: true })

  // @ts-expect-error: an unknown option in an object literal
  void validateToken(token, secret, undefined, { timeout: 5000 })
}

// ---------------------------------------------------------------------------------------------
// It never rejects; an outage is told apart with isProviderUnavailable

export async function failover(): Promise<'allow' | 'deny'> {
  const outcome = await validateToken(token, secret)
  if (outcome[0]) return 'allow'
  const unavailable: boolean = isProviderUnavailable(outcome)
  return unavailable ? 'allow' : 'deny'
}

export function resolvedType(): void {
  const promise: Promise<SwetrixValidationResult> = validateToken(token, secret)
  // @ts-expect-error: the resolved value is a tuple, not an object with success
  void promise.then((result) => result.success)
}
