#!/usr/bin/env bash
# tidy.sh [dir…] runs go mod tidy in every module (or in those named).
#
# go mod tidy ignores go.work and resolves the versions a go.mod requires
# of the other modules of this repository (vX.Y.Z) as a host does, from a
# module proxy, where a version not yet tagged does not exist. So tidy.sh
# serves the working tree at that version from a proxy of its own
# (internal/moduletest/cmd/modules proxy) and tidies against it, with a
# module cache of its own; third-party modules come from the usual cache
# and proxy. It then removes our modules' lines from each go.sum: they are
# hashes of the working tree, not of the release, and the workspace needs
# none.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env=$(cd internal/moduletest && GOWORK=off go run ./cmd/modules proxy "$tmp")

if [ $# -eq 0 ]; then
	mapfile -t dirs < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' -printf '%h\n' | sort)
else
	dirs=("$@")
fi
for d in "${dirs[@]}"; do
	echo "tidy $d"
	(cd "$d" && eval "$env" && go mod tidy)
	if [ -f "$d/go.sum" ]; then
		sed -i '\#^github\.com/attachkit/attachments[/ ]#d' "$d/go.sum"
	fi
done
