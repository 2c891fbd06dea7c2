package node

// signalsJS is preloaded (node --require) into every app. Node running as
// PID 1 in a container ignores SIGTERM and SIGINT unless a handler is
// installed: the kernel drops signals with the default action for PID 1, so
// `docker stop` waits its whole timeout and then kills. This installs a
// handler that exits the way node would have (128+signal), but only when it
// is the only listener: an app with its own graceful-shutdown handler keeps
// full control. Installed handlers are checked when the signal arrives, so
// handlers the app adds later count too.
const signalsJS = `'use strict';
// slimfront: exit on SIGTERM/SIGINT when the app has no handler of its own
// (node as PID 1 in a container ignores them otherwise).
for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]]) {
  process.on(sig, function slimfrontDefaultExit() {
    if (process.listenerCount(sig) === 1) process.exit(code);
  });
}
`

// installSh wraps a package manager install in the builder: output streams
// as usual, and on failure the cause is repeated last, with a hint, so it is
// in the few lines buildx shows under the error (npm prints its usage text
// after the actual error).
const installSh = `#!/bin/sh
# slimfront: run a lockfile install; on failure repeat the cause last.
log=$(mktemp) st=$(mktemp)
{ node /usr/local/lib/slimfront/install.cjs "$@"; echo $? >"$st"; } 2>&1 | tee "$log"
rc=$(cat "$st")
[ "$rc" = 0 ] && { rm -f "$log" "$st"; exit 0; }
echo "slimfront: '$*' failed (exit $rc):" >&2
grep -A3 '^slimfront: error: ' "$log" >&2
grep -iE 'in sync|lock ?file|missing: |invalid: |ERESOLVE|ERR_PNPM|gyp ERR! (stack Error|not ok)' "$log" | grep -v -e 'A complete log' -e '^slimfront: ' | head -n 8 >&2
if grep -v '^slimfront: ' "$log" | grep -qiE 'in sync|lock ?file.*(outdated|needs to be updated|not up to date)|frozen'; then
  echo "slimfront: the lockfile does not match package.json: run the package manager's install locally (npm install, yarn install, pnpm install) and commit the updated lockfile" >&2
fi
exit "$rc"
`
