#!/usr/bin/env bash
# Runs a command with this project's toolchain, on any machine with bash and some npm:
#   bash scripts/toolchain.sh npm run dev     # the relay, locally
#   bash scripts/toolchain.sh npm test        # the whole test suite
#
# - Node >= 22.12 (package.json `engines`): when the Node on PATH is older, node@22 is fetched
#   from the npm registry into a cache folder and put first on PATH.
# - npm 10, the npm that ships with Node 22: recent npm 11 releases (11.13 and 11.19 at least)
#   refuse a lockfile that lacks optional platform packages the registry cannot serve
#   (npm/cli#9846), and this registry has no macOS/Windows builds of the pinned workerd.
# - Dependencies: `npm ci` when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE_MIN_MAJOR=22
NODE_MIN_MINOR=12
NPM_MAJOR=10
NODE_CACHE="${RELAY_NODE_CACHE:-$HOME/.cache/relay-node22}"
NPM_CACHE="${RELAY_NPM_CACHE:-$HOME/.cache/relay-npm$NPM_MAJOR}"

node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e "const [a, b] = process.versions.node.split('.').map(Number);
             process.exit(a > $NODE_MIN_MAJOR || (a === $NODE_MIN_MAJOR && b >= $NODE_MIN_MINOR) ? 0 : 1)"
}
npm_is_pinned() {
  [[ "$(npm --version 2>/dev/null)" == "$NPM_MAJOR".* ]]
}
fetch_into() { # <prefix> <package@version>
  command -v npm >/dev/null 2>&1 || { echo "toolchain: need npm to fetch $2" >&2; exit 1; }
  echo "toolchain: fetching $2 from the npm registry into $1" >&2
  npm install --prefix "$1" --no-audit --no-fund --loglevel=error "$2" >&2
  hash -r
}

if ! node_is_recent; then
  export PATH="$NODE_CACHE/node_modules/.bin:$PATH"
  hash -r
  node_is_recent || fetch_into "$NODE_CACHE" "node@$NODE_MIN_MAJOR"
  node_is_recent || { echo "toolchain: node is still older than $NODE_MIN_MAJOR.$NODE_MIN_MINOR" >&2; exit 1; }
fi
if ! npm_is_pinned; then
  export PATH="$NPM_CACHE/node_modules/.bin:$PATH"
  hash -r
  npm_is_pinned || fetch_into "$NPM_CACHE" "npm@$NPM_MAJOR"
  npm_is_pinned || { echo "toolchain: npm is still not $NPM_MAJOR.x" >&2; exit 1; }
fi
export WRANGLER_SEND_METRICS=false

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "toolchain: node $(node --version), npm $(npm --version): npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

[[ $# -eq 0 ]] || exec "$@"
