// ES module (loaded with type="module", so deferred and skipped by browsers
// that GOV.UK Frontend does not support). Starts every GOV.UK Frontend
// component on the page.
import { initAll } from './govuk-frontend.min.js'

initAll()
