#!/bin/bash
# As the official nginx image's entrypoint: when starting nginx, source the
# /docker-entrypoint.d/*.envsh files and run the *.sh ones, in order.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  for f in /docker-entrypoint.d/*; do
    case "$f" in
      *.envsh) [ -x "$f" ] && . "$f" ;;
      *.sh) [ -x "$f" ] && "$f" ;;
    esac
  done
fi
exec "$@"
