// The shared core of the emulated widgets: where the emulator is, which outcome a widget gives,
// the visible box (checkbox, outcome select, label, status), the hidden form fields, the token
// request, and the callbacks. Each provider's part follows it in the same function scope and sets
// PROVIDER (hoisted: the core reads it only when called).

var OUTCOMES = ['pass', 'fail', 'expired', 'outage']
var LABELS = {
  turnstile: 'Cloudflare Turnstile',
  hcaptcha: 'hCaptcha',
  recaptcha: 'reCAPTCHA',
  'recaptcha-enterprise': 'reCAPTCHA Enterprise',
  trustcaptcha: 'TrustCaptcha',
  'friendly-captcha': 'Friendly Captcha',
  swetrix: 'Swetrix',
  playtcha: 'Playtcha'
}

// The emulator is wherever this script came from: its origin, never anything the page says.
var SCRIPT = document.currentScript || Array.prototype.slice.call(document.scripts).reverse()
  .filter(function (s) { return /\/widget\/[a-z-]+\.js(\?|$)/.test(s.src) })[0]
var SCRIPT_URL = new URL(SCRIPT ? SCRIPT.src : location.href, location.href)
var EMULATOR = SCRIPT_URL.origin
var PARAMS = SCRIPT_URL.searchParams

/** A valid outcome, or undefined (with a warning for a wrong one). */
function validOutcome (value) {
  if (value === undefined || value === null || value === '') return undefined
  if (OUTCOMES.indexOf(value) >= 0) return value
  console.warn('[captcha-native emulator] unknown outcome "' + value + '": one of ' + OUTCOMES.join(', '))
  return undefined
}

/** The page-wide outcome: `window.captchaNativeEmulator = { outcome }`, else pass. */
function pageOutcome () {
  var settings = window.captchaNativeEmulator
  return validOutcome(settings && typeof settings === 'object' ? settings.outcome : undefined) || 'pass'
}

/** A widget's outcome: its own (attribute or render option), else the page's. */
function outcomeOf (element, options) {
  var own = options && options.emulatorOutcome
  if (own === undefined && element && element.getAttribute) own = element.getAttribute('data-emulator-outcome')
  return validOutcome(own) || pageOutcome()
}

/** A callback: a function, or the name of a global function (as `data-callback` gives it). */
function callbackOf (value) {
  if (typeof value === 'function') return value
  if (typeof value === 'string' && value && typeof window[value] === 'function') return window[value]
  return undefined
}

/** Calls `fn` with `args` without letting its exception break the widget (as the real ones do). */
function fire (fn, args) {
  if (!fn) return
  try {
    fn.apply(undefined, args || [])
  } catch (error) {
    setTimeout(function () { throw error })
  }
}

/** `data-*` attributes of `element` as options (`data-expired-callback` as `expired-callback`). */
function dataOptions (element, names) {
  var options = {}
  names.forEach(function (name) {
    var value = element.getAttribute('data-' + name)
    if (value !== null) options[name] = value
  })
  return options
}

/** An element from an element or a selector (`#id` or an id, as the real APIs take). */
function elementOf (container) {
  if (container && container.nodeType === 1) return container
  if (typeof container !== 'string') return null
  var byId = document.getElementById(container.replace(/^#/, ''))
  if (byId) return byId
  try {
    return document.querySelector(container)
  } catch (error) {
    return null
  }
}

/**
 * A token for `outcome` from the emulator. Only the provider's path is asked for, with a JSON
 * body (sent as text/plain: a simple CORS request, no preflight).
 */
function requestToken (outcome, claims) {
  var body = { outcome: outcome }
  if (claims && typeof claims.action === 'string') body.action = claims.action
  if (claims && typeof claims.cdata === 'string' && claims.cdata) body.cdata = claims.cdata
  return fetch(EMULATOR + '/__emulator/widget/' + PROVIDER, {
    method: 'POST',
    body: JSON.stringify(body),
    credentials: 'omit'
  }).then(function (response) {
    return response.json().then(function (json) {
      if (!response.ok || typeof json.token !== 'string') {
        throw new Error(json.message || 'the emulator answered ' + response.status)
      }
      return json.token
    })
  })
}

function make (tag, attributes, text) {
  var node = document.createElement(tag)
  Object.keys(attributes || {}).forEach(function (name) {
    // Styles through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
    if (name === 'style') node.style.cssText = attributes[name]
    else node.setAttribute(name, attributes[name])
  })
  if (text) node.textContent = text
  return node
}

var STYLE = 'display:inline-flex;flex-wrap:wrap;align-items:center;gap:6px 10px;box-sizing:border-box;' +
  'min-width:300px;padding:10px 12px;border:1px dashed #d97706;border-radius:4px;font:13px/1.3 sans-serif;'
var THEMES = { dark: 'background:#222;color:#eee;', light: 'background:#fffbeb;color:#222;' }

/**
 * One widget: the visible box in `container` (unless `config.invisible`), the hidden fields
 * `config.fields` (names; a `textarea` where the real widget has one), and `solve`/`reset`.
 * `config.outcome()`: the configured outcome, read again at each solve.
 * `config.on`: { success(token), expired(token), error(code), reset(), started() }.
 */
function Widget (container, config) {
  this.container = container
  this.config = config
  this.token = ''
  this.expired = false
  this.generation = 0
  this.fields = (config.fields || []).map(function (field) {
    var node = make(field.tag || 'input', { name: field.name })
    if (node.tagName === 'INPUT') node.type = 'hidden'
    else node.style.display = 'none'
    return node
  })
  var root = make('div', {
    class: 'captcha-native-emulator',
    'data-provider': PROVIDER,
    style: STYLE + (THEMES[config.theme] || THEMES.light) + (config.invisible ? 'display:none;' : '')
  })
  this.root = root
  this.checkbox = make('input', { type: 'checkbox', 'aria-label': "I'm not a robot" })
  var label = make('label', { style: 'display:inline-flex;align-items:center;gap:6px;cursor:pointer' })
  label.appendChild(this.checkbox)
  label.appendChild(document.createTextNode("I'm not a robot"))
  this.select = make('select', { 'aria-label': 'Emulated outcome', title: 'The outcome this emulated widget gives' })
  OUTCOMES.forEach(function (outcome) { this.select.appendChild(make('option', { value: outcome }, outcome)) }, this)
  this.select.value = config.outcome()
  this.status = make('span', { role: 'status', class: 'captcha-native-emulator-status' }, 'Not verified')
  var note = make('small', { style: 'flex-basis:100%;opacity:.75' },
    'captcha-native emulator · ' + LABELS[PROVIDER] + ' · for tests only')
  ;[label, this.select, this.status, note].concat(this.fields).forEach(function (node) { root.appendChild(node) })
  container.appendChild(root)
  var widget = this
  // A person's choice in the select wins over the configured outcome from then on.
  this.select.addEventListener('change', function () { widget.chosen = true })
  this.checkbox.addEventListener('click', function (event) {
    // Checked only once the emulator has answered; a click while verified does nothing.
    event.preventDefault()
    if (!widget.token && !widget.pending) widget.solve().catch(function () {})
  })
}

/** The outcome it gives now: a person's choice in the select, else the configured one. */
Widget.prototype.outcome = function () {
  return this.chosen ? this.select.value : this.config.outcome()
}

Widget.prototype.setStatus = function (text) { this.status.textContent = text }

/** Asks the emulator for a token, fills the fields and fires the callbacks: a Promise of the token. */
Widget.prototype.solve = function () {
  var widget = this
  var generation = ++this.generation
  var outcome = this.outcome()
  var on = this.config.on || {}
  this.select.value = outcome
  this.pending = true
  this.setStatus('Verifying…')
  fire(on.started)
  return requestToken(outcome, this.config.claims ? this.config.claims() : {}).then(function (token) {
    if (generation !== widget.generation) return widget.token
    widget.pending = false
    widget.setToken(token)
    widget.checkbox.checked = true
    widget.setStatus(outcome === 'pass' ? 'Verified' : 'Verified (emulated ' + outcome + ')')
    fire(on.success, [token])
    if (outcome === 'expired') {
      // The token is already expired on the emulator's clock. It stays in the fields, so that a
      // submitted form gets the server's real refusal; a real widget would clear it.
      widget.expired = true
      widget.checkbox.checked = false
      widget.setStatus('Expired (emulated)')
      fire(on.expired, [token])
    }
    return token
  }, function (error) {
    if (generation === widget.generation) {
      widget.pending = false
      widget.setStatus('Error: ' + error.message)
      fire(on.error, [widget.config.errorCode || 'emulator-error'])
    }
    throw error
  })
}

Widget.prototype.setToken = function (token) {
  this.token = token
  this.fields.forEach(function (field) { field.value = token })
}

Widget.prototype.reset = function () {
  this.generation++
  this.pending = false
  this.expired = false
  this.setToken('')
  this.checkbox.checked = false
  this.setStatus('Not verified')
  fire((this.config.on || {}).reset)
}

Widget.prototype.remove = function () {
  this.generation++
  if (this.root.parentNode) this.root.parentNode.removeChild(this.root)
}

/** Runs `fn` once the document is parsed (now, if it is). */
function whenReady (fn) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn)
  else fn()
}

/** Calls the script URL's `?onload=` global function, as every real script does once loaded. */
function callOnload () {
  var name = PARAMS.get('onload')
  if (name) fire(callbackOf(name))
}

/**
 * The registry behind the siteverify-style APIs (`render`, `getResponse`, `reset`, `remove`,
 * `execute`): widgets by id, the first rendered being the default.
 */
function Registry (makeId) {
  this.widgets = []
  this.makeId = makeId
}

Registry.prototype.add = function (widget) {
  widget.id = this.makeId(this.widgets.length)
  this.widgets.push(widget)
  return widget.id
}

/** The widget of `id` (or of its container), the first one when none is given. */
Registry.prototype.get = function (id) {
  if (id === undefined || id === null || id === '') return this.widgets[0]
  var element = typeof id === 'object' ? id : null
  for (var i = 0; i < this.widgets.length; i++) {
    var w = this.widgets[i]
    if (w.id === id || (element && (w.element === element || w.container === element))) return w
  }
  return undefined
}

Registry.prototype.remove = function (id) {
  var widget = this.get(id)
  if (!widget) return
  widget.remove()
  this.widgets.splice(this.widgets.indexOf(widget), 1)
}

/**
 * Renders and keeps a widget for `element` in `holder` (the element itself unless given): its
 * outcome the element's (or the page's), its theme and `size: 'invisible'` from `options`, the
 * rest of its config (which may override those) from `config`. The widget.
 */
Registry.prototype.render = function (element, options, config, holder) {
  var widget = new Widget(holder || element, Object.assign({
    outcome: function () { return outcomeOf(element, options) },
    theme: options.theme,
    invisible: options.size === 'invisible'
  }, config))
  widget.element = element
  this.add(widget)
  return widget
}

/** The token of the widget of `id`, '' when there is none. */
Registry.prototype.response = function (id) {
  var widget = this.get(id)
  return widget ? widget.token : ''
}

Registry.prototype.reset = function (id) {
  var widget = this.get(id)
  if (widget) widget.reset()
}

/**
 * What the siteverify-style scripts do once the document is parsed: render every `selector`
 * element not rendered yet (unless `?render=explicit`), then call `?onload=`.
 */
function renderAll (registry, selector, render) {
  if (PARAMS.get('render') !== 'explicit') {
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (element) {
      if (!registry.get(element)) render(element)
    })
  }
  callOnload()
}
