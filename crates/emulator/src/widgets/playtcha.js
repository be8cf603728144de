// Playtcha: `.playtcha` elements with `data-sitekey`, `data-action`, `data-callback`,
// `data-expired-callback` and `data-error-callback`, the hidden input `playtcha-token`, and
// `window.playtcha` (`render`, `execute`, `getResponse`, `reset`, `remove`). Playtcha's own
// widget contract is not published with its server contract: this is the siteverify shape.
var PROVIDER = 'playtcha'
var PLAYTCHA_ATTRIBUTES = ['sitekey', 'action', 'callback', 'expired-callback', 'error-callback', 'theme', 'size']
var playtchaWidgets = new Registry(function (n) { return 'playtcha-' + n })

function playtchaRender (container, params) {
  var element = elementOf(container)
  if (!element) throw new Error('[Playtcha] render: no container')
  var options = Object.assign(dataOptions(element, PLAYTCHA_ATTRIBUTES), params || {})
  return playtchaWidgets.render(element, options, {
    fields: [{ name: 'playtcha-token' }],
    claims: function () { return { action: options.action } },
    on: {
      success: function (token) { fire(callbackOf(options.callback), [token]) },
      expired: function (token) { fire(callbackOf(options['expired-callback']), [token]) },
      error: function (code) { fire(callbackOf(options['error-callback']), [code]) }
    }
  }).id
}

window.playtcha = {
  render: playtchaRender,
  execute: function (id) {
    var widget = playtchaWidgets.get(id)
    if (!widget) return Promise.reject(new Error('[Playtcha] execute: no widget'))
    return widget.token ? Promise.resolve(widget.token) : widget.solve()
  },
  getResponse: function (id) { return playtchaWidgets.response(id) },
  reset: function (id) { playtchaWidgets.reset(id) },
  remove: function (id) { playtchaWidgets.remove(id) }
}

whenReady(function () { renderAll(playtchaWidgets, '.playtcha', playtchaRender) })
