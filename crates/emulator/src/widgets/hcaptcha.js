// hCaptcha: `.h-captcha` elements (unless `?render=explicit`), the hidden textareas
// `h-captcha-response` and `g-recaptcha-response` (unless `?recaptchacompat=off`), and
// `window.hcaptcha`.
var PROVIDER = 'hcaptcha'
var HCAPTCHA_ATTRIBUTES = ['sitekey', 'theme', 'size', 'callback', 'expired-callback', 'chalexpired-callback',
  'error-callback', 'open-callback', 'close-callback']
var hcaptchaWidgets = new Registry(function (n) { return 'emulated' + n })

function hcaptchaRender (container, params) {
  var element = elementOf(container)
  if (!element) throw new Error('[hCaptcha] render: no container')
  var options = Object.assign(dataOptions(element, HCAPTCHA_ATTRIBUTES), params || {})
  var fields = [{ name: 'h-captcha-response', tag: 'textarea' }]
  if (PARAMS.get('recaptchacompat') !== 'off') fields.push({ name: 'g-recaptcha-response', tag: 'textarea' })
  var widget = hcaptchaWidgets.render(element, options, {
    fields: fields,
    on: {
      success: function (token) {
        if (widget.waiting) widget.waiting.resolve({ response: token, key: 'E0_emulated' })
        widget.waiting = null
        fire(callbackOf(options.callback), [token])
      },
      expired: function () { fire(callbackOf(options['expired-callback'])) },
      error: function (code) {
        if (widget.waiting) widget.waiting.reject(code)
        widget.waiting = null
        fire(callbackOf(options['error-callback']), [code])
      }
    },
    errorCode: 'network-error'
  })
  return widget.id
}

window.hcaptcha = {
  render: hcaptchaRender,
  // `execute(id, { async: true })` returns a Promise of `{ response, key }`, as hCaptcha's does.
  execute: function (id, options) {
    if (id && typeof id === 'object' && !id.nodeType) {
      options = id
      id = undefined
    }
    var widget = hcaptchaWidgets.get(id)
    if (!widget) throw new Error('[hCaptcha] execute: no widget')
    var async = Boolean(options && options.async)
    if (widget.token) return async ? Promise.resolve({ response: widget.token, key: 'E0_emulated' }) : undefined
    var result = async
      ? new Promise(function (resolve, reject) { widget.waiting = { resolve: resolve, reject: reject } })
      : undefined
    if (!widget.pending) widget.solve().catch(function () {})
    return result
  },
  getResponse: function (id) { return hcaptchaWidgets.response(id) },
  getRespKey: function (id) {
    var widget = hcaptchaWidgets.get(id)
    return widget && widget.token ? 'E0_emulated' : ''
  },
  reset: function (id) { hcaptchaWidgets.reset(id) },
  remove: function (id) { hcaptchaWidgets.remove(id) }
}

whenReady(function () { renderAll(hcaptchaWidgets, '.h-captcha', hcaptchaRender) })
