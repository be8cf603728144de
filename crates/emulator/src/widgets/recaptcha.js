// reCAPTCHA (`api.js`: `grecaptcha`) and reCAPTCHA Enterprise (`enterprise.js`:
// `grecaptcha.enterprise`), by ENTERPRISE: v2 `.g-recaptcha` elements (a checkbox, or an
// invisible widget with `data-size="invisible"` or bound to a button), the hidden textarea
// `g-recaptcha-response`, and v3 `execute(sitekey, { action })` with `?render=<sitekey>`.
var PROVIDER = ENTERPRISE ? 'recaptcha-enterprise' : 'recaptcha'
var RECAPTCHA_ATTRIBUTES = ['sitekey', 'callback', 'expired-callback', 'error-callback', 'size', 'theme', 'action']
var recaptchaWidgets = new Registry(function (n) { return n })
var RENDER = PARAMS.get('render')
// `?render=<sitekey>`: v3 (or an Enterprise score key), tokens from `execute(sitekey, { action })`.
var V3_SITEKEY = RENDER && RENDER !== 'explicit' && RENDER !== 'onload' ? RENDER : null

function recaptchaRender (container, params) {
  var element = elementOf(container)
  if (!element) throw new Error('reCAPTCHA placeholder element must be an element or id')
  var options = Object.assign(dataOptions(element, RECAPTCHA_ATTRIBUTES), params || {})
  // A button (or input) with the class is an invisible widget bound to it: a click executes it.
  var bound = element.tagName === 'BUTTON' || element.tagName === 'INPUT'
  var holder = element
  if (bound) {
    holder = document.createElement('div')
    element.parentNode.insertBefore(holder, element.nextSibling)
  }
  var widget = recaptchaWidgets.render(element, options, {
    invisible: bound || options.size === 'invisible',
    fields: [{ name: 'g-recaptcha-response', tag: 'textarea' }],
    // A v2 token carries the action only on Enterprise (`data-action`): the v2 answer has none.
    claims: function () { return ENTERPRISE ? { action: options.action } : {} },
    on: {
      success: function (token) { fire(callbackOf(options.callback), [token]) },
      expired: function () { fire(callbackOf(options['expired-callback'])) },
      error: function () { fire(callbackOf(options['error-callback'])) }
    }
  }, holder)
  if (bound) {
    element.addEventListener('click', function (event) {
      event.preventDefault()
      if (!widget.pending) {
        widget.reset()
        widget.solve().catch(function () {})
      }
    })
  }
  return widget.id
}

/** v3: a Promise of a token for `action`, its outcome the page's (or the badge's select). */
function executeV3 (sitekey, options) {
  var action = options && typeof options.action === 'string' ? options.action : ''
  var outcome = badge ? badge.outcome() : pageOutcome()
  return requestToken(outcome, { action: action }).then(function (token) {
    if (badge) badge.setStatus('Token issued (' + outcome + (action ? ', ' + action : '') + ')')
    return token
  })
}

var api = {
  render: recaptchaRender,
  execute: function (idOrSitekey, options) {
    if (typeof idOrSitekey === 'string') return executeV3(idOrSitekey, options)
    var widget = recaptchaWidgets.get(idOrSitekey)
    if (!widget) return Promise.reject(new Error('Invalid reCAPTCHA client id: ' + idOrSitekey))
    if (widget.pending) return Promise.resolve('')
    widget.reset()
    return widget.solve()
  },
  getResponse: function (id) { return recaptchaWidgets.response(id) },
  reset: function (id) { recaptchaWidgets.reset(id) },
  ready: function (fn) { Promise.resolve().then(function () { fire(fn) }) }
}

window.grecaptcha = window.grecaptcha || {}
if (ENTERPRISE) window.grecaptcha.enterprise = api
else Object.assign(window.grecaptcha, api)

// v3's badge: the label, and the outcome select a person may change (a test sets the outcome
// with `window.captchaNativeEmulator`).
var badge = null

whenReady(function () {
  if (V3_SITEKEY) {
    var corner = document.createElement('div')
    corner.style.cssText = 'position:fixed;right:8px;bottom:8px;z-index:2147483647'
    document.body.appendChild(corner)
    badge = new Widget(corner, { outcome: pageOutcome, fields: [] })
    badge.checkbox.parentNode.style.display = 'none'
    badge.setStatus('v3: tokens on execute')
  }
  renderAll(recaptchaWidgets, '.g-recaptcha', recaptchaRender)
})
