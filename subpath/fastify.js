'use strict'
// `captcha-native/fastify`: a Fastify preHandler hook and plugin (lib/fastify.js).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../lib/fastify.js')

exports.captchaPlugin = lib.captchaPlugin
exports.captchaPreHandler = lib.captchaPreHandler
exports.CaptchaConfigurationError = lib.CaptchaConfigurationError
