'use strict'
// `captcha-native/nestjs`: the middleware's check (lib/middleware.js) as a NestJS guard, on
// either of Nest's HTTP platforms (platform-express, platform-fastify).
//
//   @UseGuards(CaptchaGuard({ provider: 'turnstile', secret }))   options given here, or
//   @Captcha()                                                    CaptchaModule's options (DI)
//   signup (@CaptchaOutcome() captcha) { ... }
//
// The token is read from the body Nest parsed (JSON or urlencoded), else from the unread body as
// the middleware reads it. The outcome lands on `request.captcha` (or
// `request[options.requestProperty]`), where `@CaptchaOutcome()` finds it. A refusal is thrown as
// an HttpException whose response is `{ error: code }` (Nest's filter sends exactly that, with
// the outcome's status); a misconfiguration is thrown as a CaptchaConfigurationError, which Nest's
// filter answers as a plain 500 (`expose: false`) and logs, its cause included.
//
// @nestjs/common is required here, when this subpath is loaded: only Nest apps load it, and the
// package's main entry never does (captcha-native has no runtime dependency on Nest).

const {
  Inject, Injectable, Module, Optional, HttpException, UseGuards, createParamDecorator
} = require('@nestjs/common')
const { createVerifier, verifyOrThrow, oncePerOptions, leftBodyUnread, CaptchaConfigurationError } = require('./middleware.js')

/** The injection token of CaptchaModule's options. */
const CAPTCHA_OPTIONS = Symbol('captcha-native:options')
/**
 * Where the guard also keeps the outcome on the request, whatever `requestProperty` says, so that
 * `@CaptchaOutcome()` finds it without being told the property.
 */
const OUTCOME = Symbol('captcha-native:outcome')

/** Verifiers of module options, so that every guard using them shares one client. */
const moduleVerifier = oncePerOptions(createVerifier)

/** Options with a provider stand alone; options without one are merged over the module's. */
function standsAlone (options) {
  return options !== undefined && options.provider !== undefined
}

/** The request's check, as a guard's `canActivate`. */
async function guard (verifier, context) {
  const type = context.getType()
  if (type !== 'http') {
    throw new CaptchaConfigurationError(new TypeError(`CaptchaGuard protects HTTP routes, not a ${type} context`))
  }
  const http = context.switchToHttp()
  // Express's Request or Fastify's FastifyRequest: both carry the body Nest parsed.
  const request = http.getRequest()
  const made = await verifyOrThrow(verifier, request)
  request[verifier.property] = made
  request[OUTCOME] = made
  if (made.ok) return true
  // A body left unread (too large, or not arrived whole): the connection is not reused.
  if (leftBodyUnread(made)) closeConnection(http.getResponse())
  // An object response is sent as it is: `{ error: code }`, as every adapter answers. The
  // outcome's error (scrubbed) is the cause, for an exception filter's logs; it is never sent.
  throw new HttpException({ error: made.code }, made.status, made.error === undefined ? undefined : { cause: made.error })
}

/** Fastify's reply and Express's response both have `header(name, value)`. */
function closeConnection (response) {
  if (typeof response?.header === 'function') response.header('connection', 'close')
  else if (typeof response?.setHeader === 'function') response.setHeader('connection', 'close')
}

/** Guard classes made for an options object, so that reusing the object reuses the class (and its instance). */
const guardClassOf = oncePerOptions(makeGuardClass)
let moduleGuardClass

/**
 * Makes the guard class for `options`:
 * - options with a `provider`: checked and built now (wrong options throw at once);
 * - options without one: merged over CaptchaModule's when Nest makes the guard;
 * - no options: CaptchaModule's, one client for every guard using them.
 */
function CaptchaGuard (options) {
  if (new.target !== undefined) {
    throw new TypeError("CaptchaGuard makes the guard class: write @UseGuards(CaptchaGuard(options)), or CaptchaGuard() for CaptchaModule's options")
  }
  if (options === undefined) {
    moduleGuardClass ??= makeGuardClass(undefined)
    return moduleGuardClass
  }
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
  return guardClassOf(options)
}

function makeGuardClass (options) {
  const fixed = standsAlone(options) ? createVerifier(options) : undefined
  class NestCaptchaGuard {
    // A rest parameter: a fixed guard takes no argument, and Nest warns of a constructor
    // parameter that nothing names (the module's options are named by @Inject below).
    constructor (...injected) {
      this.verifier = fixed ?? verifierOverModule(injected[0], options)
    }

    canActivate (context) {
      return guard(this.verifier, context)
    }
  }
  Object.defineProperty(NestCaptchaGuard, 'name', { value: 'CaptchaGuard' })
  if (fixed === undefined) {
    // Optional: without CaptchaModule the guard says so itself, rather than Nest's "can't resolve".
    Inject(CAPTCHA_OPTIONS)(NestCaptchaGuard, undefined, 0)
    Optional()(NestCaptchaGuard, undefined, 0)
  }
  Injectable()(NestCaptchaGuard)
  return NestCaptchaGuard
}

function verifierOverModule (defaults, overrides) {
  if (defaults === undefined || defaults === null) {
    throw new TypeError('CaptchaGuard has no provider: import CaptchaModule.forRoot(options) (or forRootAsync), or give the guard options with a provider')
  }
  return overrides === undefined ? moduleVerifier(defaults) : createVerifier({ ...defaults, ...definedOf(overrides) })
}

/**
 * The keys of `options` that have a value: an override given as `undefined` (an optional field of
 * the app's config, as the types allow) leaves the module's option as it is, rather than unset it.
 */
function definedOf (options) {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
}

/** `@UseGuards(CaptchaGuard(options))`, as one decorator, for a route or a controller. */
function Captcha (options) {
  return UseGuards(CaptchaGuard(options))
}

/** The handler's parameter given the outcome of the route's CaptchaGuard. */
const CaptchaOutcome = createParamDecorator((data, context) => {
  const request = context.switchToHttp().getRequest()
  return request[OUTCOME]
})

/**
 * Provides the options every `CaptchaGuard()` (and `@Captcha()`) without a provider uses. Global
 * unless `global: false`: Nest makes a guard in the module of the controller it protects, so the
 * options must be visible there.
 */
class CaptchaModule {
  /**
   * @param options the options of `createVerifier`, checked now: wrong options throw at once.
   * @param extras `{ global }`, default true.
   */
  static forRoot (options, extras) {
    moduleVerifier(options)
    return moduleOf({ provide: CAPTCHA_OPTIONS, useValue: options }, [], extras?.global)
  }

  /**
   * `{ imports, inject, useFactory, global }`: the options from a factory (say of ConfigService),
   * checked when Nest calls it, at startup.
   */
  static forRootAsync (asyncOptions) {
    if (asyncOptions === null || typeof asyncOptions !== 'object' || typeof asyncOptions.useFactory !== 'function') {
      throw new TypeError('forRootAsync takes { useFactory, inject?, imports?, global? }')
    }
    const { useFactory, inject = [], imports = [], global } = asyncOptions
    const provider = {
      provide: CAPTCHA_OPTIONS,
      inject,
      useFactory: async (...dependencies) => {
        const options = await useFactory(...dependencies)
        moduleVerifier(options)
        return options
      }
    }
    return moduleOf(provider, imports, global)
  }
}
Module({})(CaptchaModule)

function moduleOf (provider, imports, global = true) {
  if (typeof global !== 'boolean') throw new TypeError('global must be a boolean')
  return { module: CaptchaModule, global, imports, providers: [provider], exports: [CAPTCHA_OPTIONS] }
}

module.exports = { CaptchaGuard, Captcha, CaptchaOutcome, CaptchaModule, CAPTCHA_OPTIONS, CaptchaConfigurationError }
