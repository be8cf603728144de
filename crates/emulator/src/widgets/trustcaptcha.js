// TrustCaptcha: the `<trustcaptcha-component>` custom element (its content in the light DOM, so
// that the hidden input `tc-verification-token`, or `token-field-name`, is submitted with the
// form), its methods `startVerification()` and `reset()`, and its events `captchaStarted`,
// `captchaSolved` (detail: the token), `captchaFailed` (detail: an error) and `captchaReset`.
var PROVIDER = 'trustcaptcha'

function trustcaptchaEvent (element, name, detail) {
  element.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true, composed: true }))
}

class EmulatedTrustcaptcha extends HTMLElement {
  connectedCallback () {
    if (this.widget) return
    var element = this
    this.widget = new Widget(this, {
      outcome: function () { return outcomeOf(element) },
      theme: this.getAttribute('theme'),
      invisible: this.hasAttribute('invisible') && this.getAttribute('invisible') !== 'false',
      fields: [{ name: this.getAttribute('token-field-name') || 'tc-verification-token' }],
      on: {
        started: function () { trustcaptchaEvent(element, 'captchaStarted') },
        success: function (token) { trustcaptchaEvent(element, 'captchaSolved', token) },
        error: function (code) { trustcaptchaEvent(element, 'captchaFailed', code) },
        reset: function () { trustcaptchaEvent(element, 'captchaReset') }
      },
      errorCode: 'EMULATOR_UNREACHABLE'
    })
  }

  startVerification () {
    var widget = this.widget
    if (widget && !widget.token && !widget.pending) return widget.solve().then(function () {}, function () {})
    return Promise.resolve()
  }

  reset () {
    if (this.widget) this.widget.reset()
    return Promise.resolve()
  }
}

if (!customElements.get('trustcaptcha-component')) customElements.define('trustcaptcha-component', EmulatedTrustcaptcha)
