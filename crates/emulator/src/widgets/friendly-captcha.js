// Friendly Captcha v2: `.frc-captcha` elements, the hidden input `frc-captcha-response` (or
// `data-form-field-name`), `data-start` (`auto`, `focus` (the default), `none`), the events
// `frc:widget.complete`, `frc:widget.expire`, `frc:widget.error`, `frc:widget.statechange` and
// `frc:widget.reset` on the element, and `window.frcaptcha` (`createWidget`, `getAllWidgets`).
var PROVIDER = 'friendly-captcha'
var frcWidgets = []

function frcEvent (handle, name, detail) {
  detail = Object.assign({ name: name, id: handle.id }, detail)
  if (name !== 'frc:widget.statechange') {
    handle.element.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true }))
  }
  if (detail.state) {
    handle.state = detail.state
    handle.element.dispatchEvent(new CustomEvent('frc:widget.statechange', {
      detail: Object.assign({}, detail, { name: 'frc:widget.statechange' }),
      bubbles: true
    }))
  }
}

function frcCreate (options) {
  var element = options.element
  var handle = {
    id: 'frc-emulated-' + frcWidgets.length,
    element: element,
    state: 'ready',
    getResponse: function () { return widget.token },
    getState: function () { return handle.state },
    start: function () { if (!widget.token && !widget.pending) widget.solve().catch(function () {}) },
    reset: function () { widget.reset() },
    destroy: function () {
      widget.remove()
      frcWidgets.splice(frcWidgets.indexOf(handle), 1)
      handle.state = 'destroyed'
    },
    addEventListener: function (type, fn, opts) { element.addEventListener(type, fn, opts) },
    removeEventListener: function (type, fn, opts) { element.removeEventListener(type, fn, opts) }
  }
  var widget = new Widget(element, {
    outcome: function () { return outcomeOf(element, options) },
    theme: options.theme,
    fields: [{ name: options.formFieldName || 'frc-captcha-response' }],
    on: {
      started: function () { frcEvent(handle, 'frc:widget.statechange', { state: 'solving' }) },
      success: function (token) { frcEvent(handle, 'frc:widget.complete', { state: 'completed', response: token }) },
      expired: function (token) { frcEvent(handle, 'frc:widget.expire', { state: 'expired', response: token }) },
      error: function (code) {
        frcEvent(handle, 'frc:widget.error', { state: 'error', error: { code: code, detail: 'the emulator did not answer' } })
      },
      reset: function () { frcEvent(handle, 'frc:widget.reset', { state: 'reset' }) }
    },
    errorCode: 'network_error'
  })
  element.frcWidget = handle
  frcWidgets.push(handle)
  var start = options.startMode || 'focus'
  if (start === 'auto') handle.start()
  if (start === 'focus') {
    var form = element.closest('form')
    if (form) form.addEventListener('focusin', function () { handle.start() }, { once: true })
  }
  return handle
}

window.frcaptcha = {
  createWidget: frcCreate,
  getAllWidgets: function () { return frcWidgets.slice() },
  attach: function () {
    Array.prototype.forEach.call(document.querySelectorAll('.frc-captcha'), function (element) {
      if (element.frcWidget) return
      frcCreate({
        element: element,
        sitekey: element.getAttribute('data-sitekey'),
        startMode: element.getAttribute('data-start') || undefined,
        formFieldName: element.getAttribute('data-form-field-name') || undefined,
        theme: element.getAttribute('data-theme') || undefined
      })
    })
  }
}

whenReady(function () { window.frcaptcha.attach() })
