// Swetrix: `.swecaptcha` elements with `data-project-id`, the hidden input
// `swetrix-captcha-response` (or `data-response-input-name`), `data-theme`, and
// `window.swetrixCaptchaForceLoad()` to render the widgets again (Swetrix's loader has no callbacks).
var PROVIDER = 'swetrix'

function swetrixLoad () {
  Array.prototype.forEach.call(document.querySelectorAll('.swecaptcha'), function (element) {
    if (element.swetrixWidget) element.swetrixWidget.remove()
    element.swetrixWidget = new Widget(element, {
      outcome: function () { return outcomeOf(element) },
      theme: element.getAttribute('data-theme'),
      fields: [{ name: element.getAttribute('data-response-input-name') || 'swetrix-captcha-response' }]
    })
  })
}

window.swetrixCaptchaForceLoad = swetrixLoad
whenReady(swetrixLoad)
