#!/bin/bash
# AAD-OAuth.md, "Catalog Listing": exchange an AAD access token for an ACR refresh token, read the scope
# from the registry's challenge, get an ACR access token for it and list the catalog.
# Filled in from the environment: registry, tenant, aad_access_token.
# Unlike the document, tokens reach curl on stdin, so they never show up in a process list,
# and the tokens themselves are not printed.
set -euo pipefail

registry="${registry:?set registry to the login server}"
tenant="${tenant:?set tenant to the Entra tenant id}"
aad_access_token="${aad_access_token:?set aad_access_token to an Entra access token}"
curl_options=(--silent --show-error --fail-with-body --cacert "$NODE_EXTRA_CA_CERTS")

operation="/v2/_catalog"

acr_refresh_token=$(curl "${curl_options[@]}" -X POST -H "Content-Type: application/x-www-form-urlencoded" --data @- \
    "https://$registry/oauth2/exchange" <<<"grant_type=access_token&service=$registry&tenant=$tenant&access_token=$aad_access_token" |
    jq -r '.refresh_token')
echo "ACR refresh token obtained"

challenge=$(curl -vs --cacert "$NODE_EXTRA_CA_CERTS" "https://$registry$operation" 2>&1 | grep "Www-Authenticate:")
echo "Challenge"
echo "$challenge"

scope=$(grep -Eo 'scope="[^"]*"' <<<"$challenge" | cut -d '"' -f 2)
echo "Scope"
echo "$scope"

acr_access_token=$(curl "${curl_options[@]}" -X POST -H "Content-Type: application/x-www-form-urlencoded" --data @- \
    "https://$registry/oauth2/token" <<<"grant_type=refresh_token&service=$registry&scope=$scope&refresh_token=$acr_refresh_token" |
    jq -r '.access_token')
echo "ACR access token obtained"

catalog=$(curl "${curl_options[@]}" -H @- "https://$registry$operation" <<<"Authorization: Bearer $acr_access_token")
echo "Catalog"
echo "$catalog"
