# Shared by the CI scripts (sourced): installing what a suite needs from Debian's packages when
# it is missing, as root or through sudo.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# need_package WHO PACKAGE...: installs the Debian packages, saying which script asked.
need_package() {
  local who=$1
  shift
  echo "$who: installing $* (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# need_browser WHO: Chromium, node and npm for the browser suites.
need_browser() {
  [ -x /usr/bin/chromium ] || need_package "$1" chromium
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    need_package "$1" nodejs npm
  fi
}
