// requireCaptcha (captcha-native/middleware) on real Express 5 over real HTTP, against the
// embedded emulator: every provider's every outcome, with Express's body parsers and with none
// (the middleware then reads the body itself). middleware.test.mjs drives the same middleware
// through fakes of (req, res, next); this is what a user's Express app answers.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { httpApp, outcomeMatrix, outcomeView, useEmulator } from './adapter-fixtures.mjs'

const require = createRequire(import.meta.url)
const { requireCaptcha } = require('captcha-native/middleware')
const express = require('express')

let emulator
useEmulator((started) => ({ emulator } = started))

/** An Express app with one protected route per entry of `routes`, and a recorder of errors. */
async function serve (routes, { parse }) {
  const app = express()
  // Express's default error handler prints every error to stderr unless its env is 'test'.
  app.set('env', 'test')
  const errors = []
  if (parse) app.use(express.urlencoded({ extended: false }), express.json())
  for (const [name, options] of Object.entries(routes)) {
    app.post(`/${name}`, requireCaptcha(options), (req, res) => res.json(outcomeView(req.captcha)))
  }
  // Records what reached error handling, then leaves the answer to Express's default handler.
  app.use((error, req, res, next) => {
    errors.push(error)
    next(error)
  })
  return { ...await httpApp(app), errors }
}

/** Express's default handler: a 500 page that never names the provider's error. */
function misconfigured (answer) {
  assert.match(answer.text, /CaptchaConfigurationError: captcha-native: the CAPTCHA provider is misconfigured \(see cause\)/)
}

for (const [wiring, parse] of [['express.urlencoded, express.json', true], ['no body parser', false]]) {
  outcomeMatrix({
    name: `express (${wiring})`,
    where: 'req.captcha',
    emulator: () => emulator,
    serve: (routes) => serve(routes, { parse }),
    misconfigured
  })
}
