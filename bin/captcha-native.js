#!/usr/bin/env node
'use strict'
// captcha-native command line: `captcha-native emulator [--host H] [--port P] [--trustcaptcha-api-key K]
// [--swetrix-secret S] [--recaptcha-secret S] [--playtcha-secret S] [--turnstile-secret S]
// [--hcaptcha-secret S] [--hcaptcha-sitekey K] [--tls [--certificate-file F]] [--keep-alive-timeout-ms MS]`.

const { writeFileSync } = require('node:fs')
const { parseArgs } = require('node:util')
const { Emulator } = require('../index.js')

const USAGE = `Usage: captcha-native emulator [options]

Starts the local emulator of the CAPTCHA verification APIs (TrustCaptcha, Swetrix, reCAPTCHA,
Playtcha, Turnstile, hCaptcha) and prints its URL and keys.

Options:
  --host <host>                  address to listen on (default 127.0.0.1)
  --port <port>                  port to listen on (default 0: any free port)
  --trustcaptcha-api-key <key>   the TrustCaptcha API key to accept
  --swetrix-secret <secret>      the Swetrix project secret to accept
  --recaptcha-secret <secret>    the reCAPTCHA secret key to accept
  --playtcha-secret <secret>     the Playtcha secret to accept
  --turnstile-secret <secret>    the Turnstile secret key to accept
  --hcaptcha-secret <secret>     the hCaptcha secret to accept
  --hcaptcha-sitekey <sitekey>   the sitekey of the emulator's hCaptcha tokens
  --tls                          serve HTTPS, with a certificate signed by an authority made
                                 at start (clients trust it with the \`ca\` option)
  --certificate-file <path>      with --tls, write that authority's PEM certificate here
  --keep-alive-timeout-ms <ms>   close a connection when no new request begins this many ms
                                 after an answer, as a server's keep-alive timeout does;
                                 0 closes each right after its answer (default: keep them open)
  -h, --help                     show this help`

async function emulator (args) {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'trustcaptcha-api-key': { type: 'string' },
      'swetrix-secret': { type: 'string' },
      'recaptcha-secret': { type: 'string' },
      'playtcha-secret': { type: 'string' },
      'turnstile-secret': { type: 'string' },
      'hcaptcha-secret': { type: 'string' },
      'hcaptcha-sitekey': { type: 'string' },
      tls: { type: 'boolean' },
      'certificate-file': { type: 'string' },
      'keep-alive-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError(`--port must be a port number, not '${values.port}'`)
  }
  const idleText = values['keep-alive-timeout-ms']
  const keepAliveTimeoutMs = idleText === undefined ? undefined : Number(idleText)
  if (keepAliveTimeoutMs !== undefined && !(/^\d+$/.test(idleText) && keepAliveTimeoutMs <= 4294967295)) {
    throw new TypeError(`--keep-alive-timeout-ms must be a whole number of milliseconds, not '${idleText}'`)
  }
  if (values['certificate-file'] !== undefined && !values.tls) {
    throw new TypeError('--certificate-file needs --tls')
  }
  const running = await Emulator.start({
    host: values.host,
    port,
    trustcaptchaApiKey: values['trustcaptcha-api-key'],
    swetrixSecret: values['swetrix-secret'],
    recaptchaSecret: values['recaptcha-secret'],
    playtchaSecret: values['playtcha-secret'],
    turnstileSecret: values['turnstile-secret'],
    hcaptchaSecret: values['hcaptcha-secret'],
    hcaptchaSitekey: values['hcaptcha-sitekey'],
    tls: values.tls,
    keepAliveTimeoutMs
  })
  if (values['certificate-file'] !== undefined) writeFileSync(values['certificate-file'], running.certificate)
  // Stop cleanly on Ctrl+C from the moment the banner says so (handlers first, then the banner).
  // The emulator runs on native threads; this timer keeps Node's event loop alive for it.
  const keepAlive = setInterval(() => {}, 1 << 30)
  const stop = async () => {
    clearInterval(keepAlive)
    await running.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const { trustcaptcha, swetrix, recaptcha, turnstile, hcaptcha } = Emulator.identities
  /** One test identity a line: what it answers, then the value to use. */
  const listed = (tests, value) => tests.map((test) => `    ${test.answers.padEnd(22)} ${value(test)}`).join('\n')
  const { url, credentials, certificate } = running
  const trust = certificate === undefined
    ? ''
    : values['certificate-file'] !== undefined
      ? `\nHTTPS: trust the certificate in ${values['certificate-file']} (the \`ca\` option; curl --cacert)\n`
      : `\nHTTPS: trust this certificate (the \`ca\` option; curl --cacert <file>):\n${certificate}`
  console.log(`captcha-native emulator listening on ${url}
${trust}
TrustCaptcha
  apiHost  ${url}
  apiKey   ${credentials.trustcaptchaApiKey}    (the key '${trustcaptcha.invalidApiKey.apiKey}' is ${trustcaptcha.invalidApiKey.answers})
  test tokens:
${listed(trustcaptcha.testVerifications, (test) => test.token)}

Swetrix
  apiURL   ${url}/v1/captcha
  secret   ${credentials.swetrixSecret}
  test secrets (any token):
${listed(Object.values(swetrix.testSecrets), (test) => test.secret)}

reCAPTCHA
  siteverifyUrl  ${url}/recaptcha/api/siteverify
  secretKey      ${credentials.recaptchaSecret}
  Google's test secret key (${recaptcha.testSecretKey.answers}, hostname ${recaptcha.testSecretKey.hostname}):
                 ${recaptcha.testSecretKey.secretKey}

Playtcha
  apiHost  ${url}
  secret   ${credentials.playtchaSecret}

Turnstile
  siteverifyUrl  ${url}/turnstile/v0/siteverify
  secret         ${credentials.turnstileSecret}
  Cloudflare's test secret keys (only with the dummy token ${turnstile.dummyToken}):
${listed(Object.values(turnstile.testSecrets), (test) => test.secret)}
  test sitekeys (for the widget):
${Object.values(turnstile.testSitekeys).map((test) => `    ${test.widget.padEnd(32)} ${test.sitekey}`).join('\n')}

hCaptcha
  siteverifyUrl  ${url}/siteverify
  secret         ${credentials.hcaptchaSecret}
  sitekey        ${credentials.hcaptchaSitekey}
  hCaptcha's test secret ${hcaptcha.testSecret}, with its test keys (sitekey, token):
${listed(Object.values(hcaptcha.testKeys), (test) => `${test.sitekey} ${test.token}`)}

Fresh tokens for any provider, with the claims you choose (README, "The emulator"):
  curl -X POST ${url}/__emulator/issue/playtcha -d '{"hostname":"example.com"}'
  -> {"token":"playtcha_..."}        (${Object.keys(Emulator.identities).join(', ')}; body optional)

Press Ctrl+C to stop.`)
}

async function main () {
  const [command, ...rest] = process.argv.slice(2)
  if (command === 'emulator') return emulator(rest)
  console.error(command === undefined || command === '--help' || command === '-h' ? USAGE : `Unknown command '${command}'.\n\n${USAGE}`)
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2
}

main().catch((error) => {
  console.error(`captcha-native: ${error.message}`)
  process.exit(1)
})
