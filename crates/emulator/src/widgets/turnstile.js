// Cloudflare Turnstile: `.cf-turnstile` elements (unless `?render=explicit`), the hidden input
// `cf-turnstile-response`, and `window.turnstile`.
var PROVIDER = 'turnstile'
var TURNSTILE_ATTRIBUTES = ['sitekey', 'action', 'cdata', 'callback', 'expired-callback', 'error-callback',
  'theme', 'size', 'execution', 'response-field', 'response-field-name']
var turnstileWidgets = new Registry(function (n) { return 'cf-chl-widget-emulated' + n })

function turnstileRender (container, params) {
  var element = elementOf(container)
  if (!element) throw new Error('[Cloudflare Turnstile] Could not find widget container')
  var options = Object.assign(dataOptions(element, TURNSTILE_ATTRIBUTES), params || {})
  var fieldName = options['response-field-name'] || 'cf-turnstile-response'
  var noField = options['response-field'] === false || options['response-field'] === 'false'
  return turnstileWidgets.render(element, options, {
    fields: noField ? [] : [{ name: fieldName }],
    claims: function () { return { action: options.action, cdata: options.cData || options.cdata } },
    on: {
      success: function (token) { fire(callbackOf(options.callback), [token]) },
      expired: function (token) { fire(callbackOf(options['expired-callback']), [token]) },
      error: function (code) { fire(callbackOf(options['error-callback']), [code]) }
    },
    errorCode: '110200'
  }).id
}

window.turnstile = {
  render: turnstileRender,
  execute: function (container, params) {
    var widget = turnstileWidgets.get(container) || turnstileWidgets.get(elementOf(container))
    if (!widget && container) widget = turnstileWidgets.get(turnstileRender(container, params))
    if (widget && !widget.token && !widget.pending) widget.solve().catch(function () {})
  },
  getResponse: function (id) {
    var widget = turnstileWidgets.get(id)
    return widget ? widget.token : undefined
  },
  isExpired: function (id) {
    var widget = turnstileWidgets.get(id)
    return Boolean(widget && widget.expired)
  },
  reset: function (id) { turnstileWidgets.reset(id) },
  remove: function (id) { turnstileWidgets.remove(id) },
  ready: function (fn) { whenReady(fn) }
}

whenReady(function () { renderAll(turnstileWidgets, '.cf-turnstile', turnstileRender) })
