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
  var widget = new Widget(element, {
    outcome: function () { return outcomeOf(element, options) },
    theme: options.theme,
    invisible: options.size === 'invisible',
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
  widget.element = element
  return hcaptchaWidgets.add(widget)
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
  getResponse: function (id) {
    var widget = hcaptchaWidgets.get(id)
    return widget ? widget.token : ''
  },
  getRespKey: function (id) {
    var widget = hcaptchaWidgets.get(id)
    return widget && widget.token ? 'E0_emulated' : ''
  },
  reset: function (id) {
    var widget = hcaptchaWidgets.get(id)
    if (widget) widget.reset()
  },
  remove: function (id) { hcaptchaWidgets.remove(id) }
}

whenReady(function () {
  if (PARAMS.get('render') !== 'explicit') {
    Array.prototype.forEach.call(document.querySelectorAll('.h-captcha'), function (element) {
      if (!hcaptchaWidgets.get(element)) hcaptchaRender(element)
    })
  }
  callOnload()
})
