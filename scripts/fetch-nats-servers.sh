#!/usr/bin/env bash
# Puts Debian's newer nats-server builds beside the system one, never in its
# place: trixie's 2.10 (the oldest line the fleet supports) and sid's 2.15
# (the closest to the chart's 2.14.2). It adds those suites at a pin
# priority below 100, so `apt-get install`/`upgrade` never takes a package
# from them, downloads the two .deb files with apt's ordinary client and
# unpacks each with `dpkg -x` into .cache/nats-server/<version>/ (static Go
# binaries). Run as root (it writes /etc/apt); idempotent.
#
# Usage: scripts/fetch-nats-servers.sh [suite...]   (default: trixie sid)
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("${@:-trixie sid}")
# shellcheck disable=SC2206
suites=(${suites[*]})
cache=.cache/nats-server
mkdir -p "$cache"

if [ "$(id -u)" != 0 ]; then
  echo "fetch-nats-servers: run as root (it adds apt sources under /etc/apt)" >&2
  exit 2
fi

list=/etc/apt/sources.list.d/harmony-nats-suites.sources
pin=/etc/apt/preferences.d/harmony-nats-suites
want_list=$(printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "${suites[*]}")
want_pin=$(for s in "${suites[@]}"; do printf 'Package: *\nPin: release n=%s\nPin-Priority: 50\n\n' "$s"; done)
if [ "$(cat "$list" 2>/dev/null)" != "$want_list" ] || [ "$(cat "$pin" 2>/dev/null)" != "$want_pin" ]; then
  printf '%s\n' "$want_list" > "$list"
  printf '%s\n' "$want_pin" > "$pin"
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for suite in "${suites[@]}"; do
  version=$(apt-cache madison nats-server | awk -F' *[|] *' -v s="$suite" '$3 ~ (" " s "/main ") { print $2; exit }')
  if [ -z "$version" ]; then
    echo "fetch-nats-servers: Debian $suite has no nats-server" >&2
    exit 1
  fi
  upstream=${version%%-*}
  upstream=${upstream#*:}
  if [ -x "$cache/$upstream/usr/sbin/nats-server" ]; then
    echo "$cache/$upstream/usr/sbin/nats-server"
    continue
  fi
  # _apt downloads into a directory it can write.
  chmod 777 "$work"
  (cd "$work" && apt-get download -qq "nats-server=$version" >/dev/null)
  rm -rf "$cache/$upstream.tmp"
  dpkg -x "$work"/nats-server_*.deb "$cache/$upstream.tmp"
  rm -f "$work"/nats-server_*.deb
  "$cache/$upstream.tmp/usr/sbin/nats-server" --version >/dev/null
  mv "$cache/$upstream.tmp" "$cache/$upstream"
  echo "$cache/$upstream/usr/sbin/nats-server"
done
