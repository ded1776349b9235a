#!/usr/bin/env bash
# Re-compresses the .deb files named on the command line with xz, in place: the Tauri
# bundler writes them with gzip. The same files and control data, as Debian's own packages
# are compressed; the app's .deb goes from 9.05 MiB to about 6.1 MiB (docs/benchmarks.md,
# "Desktop bundle"). `make package` runs it.
set -euo pipefail
for deb in "$@"; do
    work="$(mktemp -d "${TMPDIR:-/tmp}/deb-xz.XXXXXX")"
    dpkg-deb --raw-extract "$deb" "$work/package"
    dpkg-deb --root-owner-group -Zxz --build "$work/package" "$work/out.deb" >/dev/null
    mv "$work/out.deb" "$deb"
    rm -rf "$work"
    echo "deb-xz: $deb ($(stat -c %s "$deb") bytes)"
done
