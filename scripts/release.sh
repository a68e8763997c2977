#!/usr/bin/env bash
# release.sh vX.Y.Z releases every module of the repository at one version,
# as go-cloud does: a host's go get of any module at vX.Y.Z then finds the
# others at vX.Y.Z too.
#
#  1. Every requirement between the modules (each go.mod found in the tree,
#     new ones included) is set to vX.Y.Z, and go.work replaces each module
#     at vX.Y.Z with its directory (internal/moduletest/cmd/modules).
#  2. The module-proxy test runs at that version: a host outside the
#     repository builds every library module from a proxy serving the tree.
#  3. The change is committed, and every module is tagged on that commit,
#     each after the modules it requires (the root first): "vX.Y.Z" for the
#     root module, "<dir>/vX.Y.Z" for a nested one, as the go command looks
#     them up.
#
# It pushes nothing: it prints the push command for the tags it made.
# SKIP_TEST=1 skips step 2 (when it has just passed in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-}
if [[ ! $version =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
	echo "usage: scripts/release.sh vX.Y.Z" >&2
	exit 2
fi
if [ -n "$(git status --porcelain)" ]; then
	echo "release: the working tree has changes; commit or stash them first" >&2
	exit 1
fi
export GOWORK="$PWD/go.work"
# The tool runs outside the workspace (it needs only golang.org/x/mod), so
# that it works while go.work does not yet name a module added since.
modules() { (cd internal/moduletest && GOWORK=off go run ./cmd/modules "$@"); }

modules require "$version"
if [ "${SKIP_TEST:-}" != 1 ]; then
	(cd internal/moduletest && go test -count=1 -run 'TestHostBuildsFromProxy|TestModulesRequireReleasedVersions|TestWorkspaceHoldsEveryModule|TestReleaseOrder' .)
fi

mapfile -t order < <(modules order)
tags=()
for line in "${order[@]}"; do
	tag=${line#* }
	if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
		echo "release: tag $tag exists already" >&2
		exit 1
	fi
	tags+=("$tag")
done

git add -A -- '*go.mod' go.work
if ! git diff --cached --quiet; then
	git commit -q -m "release: every module at $version, requiring the others at $version"
fi
for tag in "${tags[@]}"; do
	git tag -a "$tag" -m "$tag"
	echo "tagged $tag"
done
echo
echo "push with: git push origin $(git rev-parse --abbrev-ref HEAD) ${tags[*]}"
