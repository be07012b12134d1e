// Loaded as a classic (non-module) script as the first thing in <body>, so the
// classes are present before anything is painted. It is an external file
// because the site's Content-Security-Policy allows no inline scripts.
// Same logic as the inline snippet in GOV.UK Frontend's template.njk.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
