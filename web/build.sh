#!/usr/bin/env bash
# Rebuilds the dashboard into control/ui/dist (committed, embedded by go:embed).
# Run after changing anything under web/: ./web/build.sh
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm test
npm run build
