#!/bin/bash
# AAD-OAuth.md, "Catalog listing using SP/Admin with Basic Auth" and "... using Admin Keys with Bearer Auth":
# the catalog straight away with Basic auth, then through an ACR access token from GET /oauth2/token
# with Basic auth and the scope of the challenge.
# Filled in from the environment: registry, user, password.
# Unlike the document, credentials and tokens reach curl on stdin and are not printed.
set -euo pipefail

registry="${registry:?set registry to the login server}"
user="${user:?set user to a service principal client id or the admin user name}"
password="${password:?set password to the matching secret}"
curl_options=(--silent --show-error --fail-with-body --cacert "$NODE_EXTRA_CA_CERTS")

operation="/v2/_catalog"

credentials=$(printf '%s' "$user:$password" | base64 -w 0)

catalog=$(curl "${curl_options[@]}" -H @- "https://$registry$operation" <<<"Authorization: Basic $credentials")
echo "Catalog with Basic auth"
echo "$catalog"

challenge=$(curl -vs --cacert "$NODE_EXTRA_CA_CERTS" "https://$registry$operation" 2>&1 | grep "Www-Authenticate:")
scope=$(grep -Eo 'scope="[^"]*"' <<<"$challenge" | cut -d '"' -f 2)
echo "Scope"
echo "$scope"

acr_access_token=$(curl "${curl_options[@]}" -H "Content-Type: application/x-www-form-urlencoded" -H @- \
    "https://$registry/oauth2/token?service=$registry&scope=$scope" <<<"Authorization: Basic $credentials" |
    jq -r '.access_token')
echo "ACR access token obtained"

catalog=$(curl "${curl_options[@]}" -H @- "https://$registry$operation" <<<"Authorization: Bearer $acr_access_token")
echo "Catalog with Bearer auth"
echo "$catalog"
