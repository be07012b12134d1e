// Idle sign-out warning (csp_portal/idle_session.py). A classic deferred script, not inline,
// because the Content-Security-Policy allows no inline JavaScript.
//
// The page says how many seconds the session has left. Shortly before the end the script asks
// the server again (another tab may have kept the session alive); if the end is still near it
// opens the dialog, whose "Stay signed in" button posts to the keep-alive address. When the time
// runs out the person is sent to sign in, which brings them back to this page.
;(function () {
  'use strict'

  var dialog = document.getElementById('session-timeout-dialog')
  if (!dialog || typeof dialog.showModal !== 'function' || !window.fetch) {
    return
  }

  var warnMs = Number(dialog.getAttribute('data-warn-seconds')) * 1000
  var statusUrl = dialog.getAttribute('data-status-url')
  var keepAliveUrl = dialog.getAttribute('data-keep-alive-url')
  var signInUrl = dialog.getAttribute('data-sign-in-url')
  var countdown = dialog.querySelector('[data-session-countdown]')
  var stayButton = dialog.querySelector('[data-session-keep-alive]')
  var deadline = 0
  var timer = null
  var ticker = null

  function csrfToken () {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]')
    return input ? input.value : ''
  }

  function describe (seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60)
      return minutes + (minutes === 1 ? ' minute' : ' minutes')
    }
    return seconds + (seconds === 1 ? ' second' : ' seconds')
  }

  function render () {
    var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000))
    countdown.textContent = describe(seconds)
  }

  function signIn () {
    var here = window.location.pathname + window.location.search
    window.location.href = signInUrl + '?next=' + encodeURIComponent(here)
  }

  function stopTimers () {
    window.clearTimeout(timer)
    window.clearInterval(ticker)
  }

  // Wait until the warning is due (or, once warned, until the end), then ask the server.
  function schedule (secondsRemaining, warned) {
    stopTimers()
    deadline = Date.now() + secondsRemaining * 1000
    var wait = warned ? deadline - Date.now() + 1500 : deadline - warnMs - Date.now()
    timer = window.setTimeout(check, Math.max(0, wait))
  }

  function check () {
    window.fetch(statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.json() })
      .then(function (data) {
        if (!data.signed_in || data.seconds_remaining <= 0) {
          signIn()
        } else if (data.seconds_remaining * 1000 > warnMs + 5000) {
          if (dialog.open) { dialog.close() }
          schedule(data.seconds_remaining, false)
        } else {
          warn(data.seconds_remaining)
        }
      })
      .catch(function () { warn(Math.max(0, (deadline - Date.now()) / 1000)) })
  }

  function warn (secondsRemaining) {
    schedule(secondsRemaining, true)
    render()
    ticker = window.setInterval(render, 1000)
    if (!dialog.open) {
      dialog.showModal()
      stayButton.focus()
    }
  }

  function stay () {
    window.fetch(keepAliveUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken() }
    })
      .then(function (response) { return response.json() })
      .then(function (data) {
        if (!data.signed_in) {
          signIn()
          return
        }
        dialog.close()
        schedule(data.seconds_remaining, false)
      })
      .catch(signIn)
  }

  stayButton.addEventListener('click', stay)
  // Escape means "I'm still here", as in the HMRC timeout dialog.
  dialog.addEventListener('cancel', function (event) {
    event.preventDefault()
    stay()
  })

  schedule(Number(dialog.getAttribute('data-seconds-remaining')), false)
})()
