#!/usr/bin/env bash
# deps.sh installs what the test suite needs and is missing: Debian's clamd,
# chromium and postgresql (15, whose initdb and postgres the ledger tests
# run themselves), libvips (with pkg-config, which cgo asks for its flags)
# for the preview/vips renderer, versitygw (a real S3 server) built with go
# install, and the official tus-js-client, for httpapi's browser test, with
# npm into a cache outside the repo ($ATTACHKIT_NPM_CACHE, default
# ~/.cache/attachkit/npm).
# It is idempotent and quick when everything is already there.
set -euo pipefail

need_apt=()
command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ] || need_apt+=(clamav-daemon)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# Chromium only recommends fonts; the browser test's screenshot needs them.
dpkg -s fonts-liberation >/dev/null 2>&1 || need_apt+=(fonts-liberation)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# preview/vips links libvips through cgo; cgo finds it with pkg-config.
dpkg -s libvips-dev >/dev/null 2>&1 || need_apt+=(libvips-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "deps: installing ${need_apt[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The packaged daemons are started by the tests themselves, with their own
# configs; the ones the package may have started are not used.

# axe-core, the accessibility checker the web chat's browser test injects
# into the page: one pinned version from the npm registry, unpacked once
# into a cache outside the repo; the test reads axe.min.js from there (or
# from $AXE_CORE).
axe_version=4.14.1
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/attachkit/axe-core-$axe_version"
if [ ! -s "$axe_dir/axe.min.js" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "deps: installing npm"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
	fi
	echo "deps: fetching axe-core $axe_version from the npm registry"
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent "axe-core@$axe_version" >/dev/null && tar -xzf "axe-core-$axe_version.tgz")
	mkdir -p "$axe_dir"
	cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$axe_dir/"
	rm -rf "$tmp"
fi

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
if [ ! -x "$gobin/versitygw" ]; then
	echo "deps: building versitygw (about a minute)"
	GOFLAGS=-buildvcs=false go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi

npm_cache=${ATTACHKIT_NPM_CACHE:-$HOME/.cache/attachkit/npm}
tus_js_version=4.3.1
if [ "$(cat "$npm_cache/node_modules/tus-js-client/package.json" 2>/dev/null |
	sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p')" != "$tus_js_version" ]; then
	echo "deps: fetching tus-js-client $tus_js_version into $npm_cache"
	mkdir -p "$npm_cache"
	npm install --prefix "$npm_cache" --no-audit --no-fund --silent "tus-js-client@$tus_js_version"
fi
