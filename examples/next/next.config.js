'use strict'
// The example's Next.js configuration: captcha-native is a native addon, so Next must load it
// with Node's require at run time instead of bundling it.
const path = require('node:path')

module.exports = {
  serverExternalPackages: ['captcha-native'],
  // The repository (with its node_modules and lockfile) is the root, not this folder.
  turbopack: { root: path.join(__dirname, '..', '..') },
  outputFileTracingRoot: path.join(__dirname, '..', '..'),
  poweredByHeader: false,
  images: { unoptimized: true },
  // Every example serves `POST /signup`; this one's route handler lives at app/api/signup.
  rewrites: async () => [{ source: '/signup', destination: '/api/signup' }]
}
