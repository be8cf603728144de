// The options both the route handler and the server action check with. A function, read at
// the first request: `next build` loads these modules with no secret in its environment.
export const captchaOptions = () => ({
  provider: 'turnstile',
  secret: process.env.TURNSTILE_SECRET,
  // The emulator's siteverify, set by server.js; left unset, Cloudflare's own.
  ...(process.env.TURNSTILE_SITEVERIFY_URL && { siteverifyUrl: process.env.TURNSTILE_SITEVERIFY_URL })
})
