#!/usr/bin/env bash
# The Debian package, end to end: `cpack -G DEB` from the build directory's install rules,
# the files it must carry, and the package installed the way a user would.
#
#   check_deb_package.sh BUILD_DIR
#
# As root with dpkg, and no tcpstate package already installed, it is installed with
# dpkg -i, checked (`tcpstate --version`, `man -w tcpstate`) and removed again. Otherwise
# (a developer without root, or a machine where the user installed tcpstate) it is unpacked
# into a scratch prefix and checked there, so an existing installation is never touched.
# Exit status: 0 pass, 1 fail.
set -euo pipefail

build=${1:?usage: check_deb_package.sh BUILD_DIR}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tcpstate-deb.XXXXXX")
installed_by_us=

cleanup() {
  if [[ -n $installed_by_us ]]; then
    dpkg --purge tcpstate >/dev/null || echo "FAIL: dpkg --purge tcpstate" >&2
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The package is built into the scratch directory, never into the build tree's top.
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1 ||
  {
    cat "$scratch/cpack.log" >&2
    fail "cpack -G DEB"
  }
debs=("$scratch"/out/tcpstate_*.deb)
[[ -f ${debs[0]} ]] || fail "cpack made no tcpstate_*.deb"
deb=${debs[0]}
echo "built $(basename "$deb")"

contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/tcpstate ./usr/bin/tcpstate-merge ./usr/share/man/man1/tcpstate.1 ./usr/share/doc/tcpstate/README.md; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
depends=$(dpkg-deb -f "$deb" Depends)
grep -q libpcap <<<"$depends" || fail "Depends does not name libpcap: $depends"
echo "contents and Depends ($depends) as expected"

check_installed() {
  local binary=$1
  local version
  version=$("$binary" --version) || fail "$binary --version failed"
  grep -q "^tcpstate " <<<"$version" || fail "unexpected --version output: $version"
  echo "$binary --version: ${version%%$'\n'*}"
  local page
  page=$(man -w tcpstate) || fail "man -w tcpstate found no page"
  echo "man -w tcpstate: $page"
  [[ $page == "$2" ]] || fail "man -w tcpstate gave $page, expected $2"
}

already_installed=no
if command -v dpkg-query >/dev/null &&
  [[ $(dpkg-query -W -f='${Status}' tcpstate 2>/dev/null) == "install ok installed" ]]; then
  already_installed=yes
fi

if [[ $(id -u) -eq 0 && $already_installed == no ]] && command -v dpkg >/dev/null; then
  # Minimal container images tell dpkg to leave out /usr/share/man; the page is the point.
  installed_by_us=yes
  dpkg --path-include='/usr/share/man/man1/tcpstate.1*' -i "$deb" >"$scratch/dpkg.log" 2>&1 ||
    {
      cat "$scratch/dpkg.log" >&2
      fail "dpkg -i $(basename "$deb")"
    }
  echo "installed with dpkg -i"
  check_installed /usr/bin/tcpstate /usr/share/man/man1/tcpstate.1
  dpkg --purge tcpstate >/dev/null || fail "dpkg --purge tcpstate"
  installed_by_us=
  [[ ! -e /usr/bin/tcpstate ]] || fail "/usr/bin/tcpstate is still there after dpkg --purge"
  echo "removed with dpkg --purge"
else
  dpkg-deb -x "$deb" "$scratch/root"
  echo "unpacked into a scratch prefix (not root, or tcpstate is already installed)"
  MANPATH=$scratch/root/usr/share/man check_installed "$scratch/root/usr/bin/tcpstate" \
    "$scratch/root/usr/share/man/man1/tcpstate.1"
fi
echo "PASS"
