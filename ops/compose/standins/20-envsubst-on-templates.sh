#!/bin/bash
# As the official image: render /etc/nginx/templates/*.template into /etc/nginx/conf.d/
# substituting only the defined variables whose names match NGINX_ENVSUBST_FILTER.
set -e
dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
out=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
filter=${NGINX_ENVSUBST_FILTER:-}
[ -d "$dir" ] || exit 0
defined=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
for t in "$dir"/*"$suffix"; do
  [ -f "$t" ] || continue
  name=${t#"$dir/"}; name=${name%"$suffix"}
  echo "20-envsubst-on-templates.sh: rendering $t to $out/$name"
  envsubst "$defined" <"$t" >"$out/$name"
done
