// `captcha-native/fastify`: a Fastify `preHandler` hook and plugin. Fastify's types are imported
// as types only: the package has no runtime dependency on Fastify.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import type { CaptchaOptions, CaptchaOutcome, CaptchaSkipped } from './middleware'

export { CaptchaConfigurationError } from './middleware'
export type { CaptchaOptions, CaptchaOutcome, CaptchaSkipped } from './middleware'

/**
 * A Fastify `preHandler` hook. It reads the token from the parsed `request.body` (JSON, or a form
 * with @fastify/formbody), sets `request.captcha` (or `request[requestProperty]`) to the outcome,
 * and answers `reply.code(status).send({ error: code })` unless the outcome is `ok`. A
 * misconfiguration is thrown to Fastify's error handler as a `CaptchaConfigurationError` (500).
 * @throws at once for wrong options; the client is built here, once.
 */
export function captchaPreHandler(
  options: CaptchaOptions,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | void>

/** The plugin's own options: `options` is what a route's `config: { captcha: true }` uses. */
export interface CaptchaPluginOptions {
  options?: CaptchaOptions
}

/**
 * Decorates `request.captcha` and adds `captchaPreHandler(config.captcha)` to every route declared
 * after it whose `config.captcha` is an options object (or `true`, for the plugin's `options`).
 * Not encapsulated (as fastify-plugin would make it).
 */
export const captchaPlugin: FastifyPluginCallback<CaptchaPluginOptions>

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by captcha-native's hook (with the default `requestProperty`); `null` before it runs. */
    captcha?: CaptchaOutcome | CaptchaSkipped | null
  }
  interface FastifyContextConfig {
    /** captcha-native's plugin: the options checking this route, or `true` for the plugin's. */
    captcha?: CaptchaOptions | boolean
  }
}
