#!/usr/bin/env bash
# Build the CSP Portal front end ONCE and write the results into ../static/.
#
# The output (static/css/app.css, static/js/govuk-frontend.min.js,
# static/images/*) is committed, so Node is only needed by whoever changes the
# styles or upgrades GOV.UK Frontend – never at run time and never in CI.
#
# Usage: bash frontend/build.sh     (from anywhere)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
static="$(cd "$here/.." && pwd)/static"
cd "$here"

# Exact versions come from package.json / package-lock.json.
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

mkdir -p "$static/css" "$static/js" "$static/images"

# GOV.UK Frontend 5 still uses @import internally; silence those deprecation
# warnings (ours and the package's) so real problems stand out.
npx --no-install sass \
  --load-path=node_modules \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  --silence-deprecation=import \
  scss/app.scss "$static/css/app.css"

# Drop the trailing sourceMappingURL comment: the .map is not shipped, and
# Django's ManifestStaticFilesStorage would fail collectstatic looking for it.
sed -e 's|//# sourceMappingURL=[^ ]*$||' \
  node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js > "$static/js/govuk-frontend.min.js"

# Our own favicon: GOV.UK Frontend's favicons and icons are the crown, which
# this council service must not use, so none of its images are copied.
cp images/favicon.svg "$static/images/favicon.svg"
cp images/favicon.ico "$static/images/favicon.ico"

# Guard the branding rules.
if grep -q "GDS Transport" "$static/css/app.css"; then
  echo "build.sh: app.css mentions GDS Transport" >&2; exit 1
fi
if grep -q "@font-face" "$static/css/app.css"; then
  echo "build.sh: app.css contains @font-face" >&2; exit 1
fi
if grep -q "url(" "$static/css/app.css"; then
  echo "build.sh: app.css references a file (url(...)) that is not shipped" >&2; exit 1
fi
if grep -q "sourceMappingURL" "$static/css/app.css" "$static/js/govuk-frontend.min.js"; then
  echo "build.sh: a sourceMappingURL comment was left in" >&2; exit 1
fi

echo "Built: $static/css/app.css ($(wc -c < "$static/css/app.css") bytes)"
