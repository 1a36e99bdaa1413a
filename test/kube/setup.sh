#!/usr/bin/env bash
# Installs what the Kubernetes tests need, once, and reuses it afterwards:
#   - etcd from Debian (etcd-server),
#   - kube-apiserver v1.37.2 built from the Go module proxy into .cache/kube/bin.
# The build uses a scratch module (in .cache/kube/src, ignored by git) that requires
# k8s.io/kubernetes and replaces every k8s.io staging module (derived from
# k8s.io/kubernetes' own go.mod) with its published v0.x version.
# Idempotent: exits quickly when both binaries are present at the right version.
set -euo pipefail

KUBE_VERSION=v1.37.2
STAGING_VERSION=v0.37.2
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${WASMESH_KUBE_CACHE:-$root/.cache/kube}"
bin="$cache/bin"
src="$cache/src"
mkdir -p "$bin" "$src"

if ! command -v etcd >/dev/null 2>&1; then
  echo "kube setup: installing etcd-server from Debian"
  if [ "$(id -u)" -ne 0 ]; then
    echo "kube setup: need root to apt-get install etcd-server" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  # Debian starts the packaged service; the tests run their own etcd.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi
fi

stamp="$bin/kube-apiserver.version"
if [ -x "$bin/kube-apiserver" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$KUBE_VERSION" ]; then
  echo "kube setup: kube-apiserver $KUBE_VERSION cached in $bin"
  exit 0
fi

echo "kube setup: building kube-apiserver $KUBE_VERSION (cold build takes 10+ minutes)"
cd "$src"
cat >go.mod <<EOF
module wasmesh.local/kubebuild

go 1.26.0

require k8s.io/kubernetes $KUBE_VERSION
EOF
rm -f go.sum

# Derive the staging modules from k8s.io/kubernetes' go.mod: every "k8s.io/x => ./staging/..." line.
kmod="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')"
if [ -z "$kmod" ] || [ ! -f "$kmod" ]; then
  echo "kube setup: cannot find go.mod of k8s.io/kubernetes@$KUBE_VERSION" >&2
  exit 1
fi
mapfile -t staging < <(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$kmod")
echo "kube setup: replacing ${#staging[@]} staging modules with $STAGING_VERSION"
args=()
for m in "${staging[@]}"; do args+=("-replace=$m=$m@$STAGING_VERSION"); done
go mod edit "${args[@]}"

export GOFLAGS="-mod=mod -buildvcs=false"
nice -n 10 go build -trimpath -o "$bin/kube-apiserver.tmp" \
  -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37" \
  k8s.io/kubernetes/cmd/kube-apiserver
mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
echo "$KUBE_VERSION" >"$stamp"
echo "kube setup: built $bin/kube-apiserver"
