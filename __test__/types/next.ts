// Type test: captcha-native/next under strict mode. Never run. Next's own declarations do not
// check with skipLibCheck false (they need @types/react): NextRequest is modelled here as Next
// declares it, a Request with more.
import { withCaptcha, verifyCaptcha, verifyCaptchaForm, CaptchaConfigurationError, type NextCaptchaOptions } from 'captcha-native/next'

declare class NextRequest extends Request {
  readonly nextUrl: URL
}

// A route handler: Next's context (its params, a Promise since Next 15) and the outcome.
export const POST = withCaptcha(
  { provider: 'turnstile', secret: 's', trustProxy: 1 },
  async (request: NextRequest, context: { params: Promise<{ team: string }> }, captcha) => {
    const { team } = await context.params
    // Only outcomes that let the request through reach the handler.
    const code: 'verified' | 'failed_open' | 'skipped' = captcha.code
    if (captcha.code === 'verified') console.log(captcha.result.hostname)
    return Response.json({ team, code, path: request.nextUrl.pathname })
  },
)

// Options read at the first request (next build has no secrets).
export const PUT = withCaptcha(() => ({ provider: 'hcaptcha' as const, secret: process.env.HCAPTCHA_SECRET ?? '' }), async () => new Response(null, { status: 204 }))

export async function PATCH (request: NextRequest) {
  const outcome = await verifyCaptcha(request, { provider: 'recaptcha', secretKey: 's', skip: (r) => r.headers.get('x-trusted') === 'yes' })
  if (!outcome.ok) return Response.json({ error: outcome.code }, { status: outcome.status })
  const skipped: boolean = outcome.code === 'skipped'
  return Response.json({ skipped, body: await request.json() })
}

// A server action: the outcome decides what to render.
export async function signup (formData: FormData) {
  'use server'
  const options: NextCaptchaOptions<FormData> = {
    provider: 'friendly-captcha',
    apiKey: 'k',
    sitekey: 's',
    skip: (data) => data.get('internal') === 'yes',
    onRefused: (outcome, data) => console.log(outcome.code, data.get('email')),
  }
  try {
    const captcha = await verifyCaptchaForm(formData, options)
    return captcha.ok ? { ok: true as const } : { ok: false as const, error: captcha.code }
  } catch (error) {
    if (error instanceof CaptchaConfigurationError) return { ok: false as const, error: 'internal_error' }
    throw error
  }
}

// @ts-expect-error no requestProperty: the outcome is returned
withCaptcha({ provider: 'turnstile', secret: 's', requestProperty: 'captcha' }, async () => new Response())
// @ts-expect-error the handler answers a Response
withCaptcha({ provider: 'turnstile', secret: 's' }, async () => 'text')

// What Next calls: the request and the context, the answer a Response.
const route: (request: NextRequest, context: { params: Promise<{ team: string }> }) => Promise<Response> = POST
// @ts-expect-error the request is typed by the handler's annotation
POST(new Request('http://localhost/'), { params: Promise.resolve({ team: 't' }) })
// @ts-expect-error skip is given the server action's FormData
verifyCaptchaForm(new FormData(), { provider: 'turnstile', secret: 's', skip: (data: Request) => data.bodyUsed })
