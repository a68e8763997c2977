#!/usr/bin/env bash
# deps.sh installs what the test suite needs and is missing: Debian's clamd
# and chromium, versitygw (a real S3 server) built with go install,
# and libvips (with pkg-config, which cgo asks for its flags) for the
# preview/vips renderer.
# It is idempotent and quick when everything is already there.
set -euo pipefail

need_apt=()
command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ] || need_apt+=(clamav-daemon)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# Chromium only recommends fonts; the browser test's screenshot needs them.
dpkg -s fonts-liberation >/dev/null 2>&1 || need_apt+=(fonts-liberation)
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

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
if [ ! -x "$gobin/versitygw" ]; then
	echo "deps: building versitygw (about a minute)"
	GOFLAGS=-buildvcs=false go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
