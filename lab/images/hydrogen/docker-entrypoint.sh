#!/bin/sh
# Mirrors the nginx image's entrypoint: render /etc/nginx/templates/*.template into conf.d,
# substituting only variables that are set (so nginx's own $host etc. stay intact).
set -eu
if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
  tdir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
  suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
  out=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
  if [ -d "$tdir" ]; then
    defined=$(printf '${%s} ' $(env | cut -d= -f1))
    for t in $(find "$tdir" -follow -type f -name "*$suffix"); do
      rel=${t#"$tdir/"}; dest="$out/${rel%"$suffix"}"
      mkdir -p "$(dirname "$dest")"
      envsubst "$defined" <"$t" >"$dest"
    done
  fi
fi
exec "$@"
