// Type test: the Express handler from the TrustCaptcha docs, compiled under strict mode.
// Compiled by `tsc -p __test__/types`, never run.

import express, { Request, Response, NextFunction } from 'express'
import { TrustCaptcha, FailoverException, VerificationTokenInvalidException } from 'captcha-native'
import wixCaptcha from 'captcha-native'
import {
  validateToken,
  authorize,
  RecaptchaError,
  RecaptchaUnavailableError,
  Playtcha,
  PlaytchaError,
  PlaytchaUnavailableError,
  isProviderUnavailable,
} from 'captcha-native'

const app = express()
app.use(express.json())

// One configured instance for the whole application, created once at module level.
const trustCaptcha = new TrustCaptcha({
  apiKey: process.env.TRUSTCAPTCHA_API_KEY ?? '<your_api_key>',
  readTimeoutMs: 5000,
})

app.post('/api/example', async (req: Request, res: Response) => {
  const verificationToken: string = req.body['tc-verification-token']

  try {
    const verificationResult = await trustCaptcha.getVerificationResult(verificationToken)

    if (!verificationResult.verificationPassed || verificationResult.score > 0.5) {
      console.log('Verification failed, or bot score is higher than 0.5 – this could indicate a bot.')
      res.status(403).json({ message: 'Verification failed' })
      return
    }

    res.status(200).json({ message: 'Verification passed', score: verificationResult.score })
  } catch (error) {
    if (error instanceof FailoverException) {
      // TrustCaptcha may be down: let the user through, but log it.
      console.error('TrustCaptcha failover, request allowed:', error.message)
      res.status(200).json({ message: 'Verification skipped (failover)' })
      return
    }
    console.error('TrustCaptcha verification error:', error)
    res.status(500).json({ message: 'Internal server error' })
  }
})

// The same handler with the static shortcut, returning the response as many users do.
app.post('/api/static', async (req: Request, res: Response) => {
  try {
    const result = await TrustCaptcha.getVerificationResult(
      process.env.TRUSTCAPTCHA_API_KEY ?? '<your_api_key>',
      req.body['tc-verification-token'],
    )
    if (!result.verificationPassed) {
      return res.status(403).json({ error: 'captcha failed' })
    }
    return res.status(200).json({ ok: true, decision: result.decisionType })
  } catch (error: unknown) {
    if (error instanceof FailoverException) {
      console.warn(`${error.name}: ${error.message}`)
      return res.status(200).json({ ok: true, failover: true })
    }
    if (error instanceof VerificationTokenInvalidException) {
      return res.status(400).json({ error: error.message })
    }
    return res.status(500).json({ error: 'internal error' })
  }
})

// As a middleware, with a typed body.
interface FormBody {
  'tc-verification-token'?: string
  email: string
}

async function requireCaptcha(
  req: Request<Record<string, string>, unknown, FormBody>,
  res: Response,
  next: NextFunction,
): Promise<void> {
  const token = req.body['tc-verification-token']
  if (token === undefined) {
    res.status(400).json({ error: 'missing token' })
    return
  }
  try {
    const result = await trustCaptcha.getVerificationResult(token)
    if (result.verificationPassed && result.score <= 0.5) {
      next()
      return
    }
    res.status(403).json({ error: 'captcha failed' })
  } catch (error) {
    if (error instanceof FailoverException) {
      res.locals.captchaFailover = true
      next()
      return
    }
    next(error)
  }
}

app.post('/api/signup', requireCaptcha, (req: Request, res: Response) => {
  res.status(201).json({ created: true, failover: res.locals.captchaFailover === true })
})

// Swetrix, as @swetrix/captcha-validator's docs use it: the promise never rejects.
app.post('/api/swetrix', (req: Request, res: Response) => {
  validateToken(req.body, process.env.SWETRIX_SECRET).then(([status, data]) => {
    if (status) {
      res.status(200).json({ message: 'Verification passed', pid: data.pid })
      return
    }
    if (isProviderUnavailable([status, data])) {
      console.error('Swetrix unavailable, request allowed:', data)
      res.status(200).json({ message: 'Verification skipped (failover)' })
      return
    }
    res.status(403).json({ message: data })
  })
})

// reCAPTCHA, as Wix's docs use wix-captcha-backend: the default import.
app.post('/api/recaptcha', (req: Request, res: Response) => {
  const token: string = req.body['g-recaptcha-response']
  wixCaptcha.authorize(token)
    .then(() => res.status(200).json({ message: 'Verification passed' }))
    .catch((error) => {
      console.log(error)
      res.status(403).json({ message: 'Verification failed' })
    })
})

// reCAPTCHA with the named import, async, sorting the rejections.
app.post('/api/recaptcha/v3', async (req: Request, res: Response) => {
  try {
    const report = await authorize(req.body.token, {
      remoteIp: req.ip,
      expectedAction: 'signup',
      minScore: 0.5,
    })
    res.status(200).json(report)
  } catch (error) {
    if (error instanceof RecaptchaUnavailableError) {
      console.warn(`reCAPTCHA unavailable after ${error.attempts} attempts`)
      res.status(503).json({ error: error.error })
      return
    }
    if (error instanceof RecaptchaError) {
      res.status(error.statusCode === 400 ? 403 : 500).json({ error: error.error, codes: error.errorCodes })
      return
    }
    res.status(500).json({ error: 'internal error' })
  }
})

// Playtcha: one configured client, the token from the `playtcha-token` form field.
const playtcha = new Playtcha({ secret: process.env.PLAYTCHA_SECRET ?? '<your_secret>', timeoutMs: 3000 })

app.post('/api/playtcha', async (req: Request, res: Response) => {
  try {
    const result = await playtcha.verify(req.body['playtcha-token'])
    if (result.failedOpen) {
      console.warn('Playtcha unavailable, request allowed:', result.unavailableReason, result.status)
    } else if (result.degraded) {
      console.warn('Playtcha degraded:', result.degradedReason)
    }
    res.status(200).json({ message: 'Verification passed', failedOpen: result.failedOpen })
  } catch (error) {
    if (error instanceof PlaytchaUnavailableError) {
      res.status(503).json({ error: error.reason })
      return
    }
    if (error instanceof FailoverException) {
      res.status(503).json({ error: error.message })
      return
    }
    if (error instanceof PlaytchaError) {
      if (error.retryAfter !== undefined) res.set('Retry-After', String(error.retryAfter))
      res.status(error.status === 429 ? 429 : 403).json({ error: error.code, requestId: error.requestId })
      return
    }
    res.status(500).json({ error: 'internal error' })
  }
})

// The static shortcut, as a middleware.
async function requirePlaytcha(req: Request, res: Response, next: NextFunction): Promise<void> {
  try {
    await Playtcha.verify(process.env.PLAYTCHA_SECRET ?? '<your_secret>', req.body['playtcha-token'])
    next()
  } catch (error) {
    if (error instanceof PlaytchaError) {
      res.status(403).json({ error: error.code })
      return
    }
    next(error)
  }
}

app.post('/api/comment', requirePlaytcha, (req: Request, res: Response) => {
  res.status(201).json({ created: true })
})

export { app }

export function listen(port: number): void {
  app.listen(port, () => console.log(`listening on ${port}`))
}
