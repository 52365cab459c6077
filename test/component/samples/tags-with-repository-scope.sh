#!/bin/bash
# AAD-OAuth.md, "Tag Listing" with the single-repository scope of "Docker login with ACR Access Token":
# an ACR access token for repository:<image>:pull only, the tags of that image page by page (following the
# Link header as the document's loop does), and the catalog, which that token must not reach.
# Filled in from the environment: registry, aad_access_token, image, limit.
# Unlike the document, tokens reach curl on stdin and are not printed.
set -euo pipefail

registry="${registry:?set registry to the login server}"
aad_access_token="${aad_access_token:?set aad_access_token to an Entra access token}"
image="${image:?set image to a repository name}"
limit="${limit:-2}"
curl_options=(--silent --show-error --fail-with-body --cacert "$NODE_EXTRA_CA_CERTS")

acr_refresh_token=$(curl "${curl_options[@]}" -X POST -H "Content-Type: application/x-www-form-urlencoded" --data @- \
    "https://$registry/oauth2/exchange" <<<"grant_type=access_token&service=$registry&access_token=$aad_access_token" |
    jq -r '.refresh_token')
echo "ACR refresh token obtained"

scope="repository:$image:pull"
acr_access_token=$(curl "${curl_options[@]}" -X POST -H "Content-Type: application/x-www-form-urlencoded" --data @- \
    "https://$registry/oauth2/token" <<<"grant_type=refresh_token&service=$registry&scope=$scope&refresh_token=$acr_refresh_token" |
    jq -r '.access_token')
echo "ACR access token obtained"

operation="/v2/$image/tags/list?n=$limit"
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT
while [ -n "$operation" ]; do
    echo "Operation"
    echo "$operation"
    tags=$(curl "${curl_options[@]}" -D "$headers" -H @- "https://$registry$operation" <<<"Authorization: Bearer $acr_access_token")
    echo "Tags"
    echo "$tags"
    operation=$(sed -n 's/^Link: <\(.*\)>.*/\1/p' "$headers")
done

echo "Catalog status"
curl --silent --cacert "$NODE_EXTRA_CA_CERTS" -o /dev/null -w '%{http_code}\n' -H @- "https://$registry/v2/_catalog" <<<"Authorization: Bearer $acr_access_token"
