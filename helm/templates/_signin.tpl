{{/*
Per-user sign-in (auth.signIn): the AUTH_* settings of one connector, its secret env entries, and the checks the
schema cannot express. The server reads these as documented in docs/sign-in.md and docs/deploy.md.

Which upstream login a connector brokers to: jira and confluence sign people in with Atlassian (signIn.upstream*:
AUTH_UPSTREAM_*); storage and mail with Google and/or Microsoft (signIn.google, signIn.microsoft: AUTH_GOOGLE_*,
AUTH_MICROSOFT_*), one login per enabled provider (settings.PROVIDERS). In mode external, storage and mail may
instead act for each person by delegation, with no login of theirs here: a Google service account with domain-wide
delegation (signIn.google.serviceAccount: its JSON key, mounted read-only as AUTH_GOOGLE_SERVICE_ACCOUNT_FILE) and
Microsoft's on-behalf-of (signIn.microsoft.onBehalfOf: AUTH_MICROSOFT_OBO), for every enabled provider or none.
*/}}

{{/* Where the Google service account's key is mounted: outside credentials.mountPath (a mount inside a read-only
Secret volume could not be created). */}}
{{- define "ec.serviceAccountDir" -}}/run/google-service-account{{- end -}}
{{- define "ec.serviceAccountFile" -}}{{ include "ec.serviceAccountDir" . }}/service-account.json{{- end -}}

{{/* The upstream logins of a connector, as a JSON list ("atlassian", "google", "microsoft"). Call with $c. */}}
{{- define "ec.signInUpstreams" -}}
{{- $defaults := dict "storage" "google-drive" "mail" "gmail" -}}
{{- $of := dict "google-drive" "google" "gmail" "google" "onedrive" "microsoft" "outlook" "microsoft" -}}
{{- $names := list -}}
{{- if hasKey $defaults .name -}}
{{- $providers := (.settings | default dict).PROVIDERS | default (get $defaults .name) | toString -}}
{{- range $p := splitList "," $providers -}}
{{- $p = trim $p -}}
{{- if hasKey $of $p }}{{ $names = append $names (get $of $p) }}{{ end -}}
{{- end -}}
{{- else -}}
{{- $names = list "atlassian" -}}
{{- end -}}
{{- $names | uniq | toJson -}}
{{- end -}}

{{/* AUTH_* settings (non-secret) of a connector, merged into `data`. Call with (list $ $c $data). */}}
{{- define "ec.signInConfig" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $data := index . 2 -}}
{{- $auth := $root.Values.auth.signIn -}}
{{- $si := $c.signIn | default dict -}}
{{- $_ := set $data "AUTH_PUBLIC_URL" (include "ec.publicUrl" (list $root $c)) -}}
{{- $_ := set $data "AUTH_MODE" ($auth.mode | default "builtin") -}}
{{- with $auth.redirectUriPatterns }}{{ $_ := set $data "AUTH_REDIRECT_URI_PATTERNS" (join "," .) }}{{ end -}}
{{- $upstreams := include "ec.signInUpstreams" $c | fromJsonArray -}}
{{- if has "atlassian" $upstreams -}}
{{- $_ := set $data "AUTH_UPSTREAM_KIND" "atlassian" -}}
{{- if $si.upstreamClientId }}{{ $_ := set $data "AUTH_UPSTREAM_CLIENT_ID" $si.upstreamClientId }}{{ end -}}
{{- if $si.upstreamSiteUrl }}{{ $_ := set $data "AUTH_UPSTREAM_SITE_URL" $si.upstreamSiteUrl }}{{ end -}}
{{- end -}}
{{- $google := $si.google | default dict -}}
{{- if $google.clientId }}{{ $_ := set $data "AUTH_GOOGLE_CLIENT_ID" $google.clientId }}{{ end -}}
{{- if $google.hostedDomain }}{{ $_ := set $data "AUTH_GOOGLE_HOSTED_DOMAIN" $google.hostedDomain }}{{ end -}}
{{- if ($google.serviceAccount | default dict).existingSecret -}}
{{- $_ := set $data "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE" (include "ec.serviceAccountFile" .) -}}
{{- end -}}
{{- $microsoft := $si.microsoft | default dict -}}
{{- if $microsoft.clientId }}{{ $_ := set $data "AUTH_MICROSOFT_CLIENT_ID" $microsoft.clientId }}{{ end -}}
{{- if $microsoft.tenant }}{{ $_ := set $data "AUTH_MICROSOFT_TENANT" $microsoft.tenant }}{{ end -}}
{{- if $microsoft.onBehalfOf }}{{ $_ := set $data "AUTH_MICROSOFT_OBO" "true" }}{{ end -}}
{{- if eq ($auth.mode | default "builtin") "external" -}}
{{- $ext := $auth.external | default dict -}}
{{- $_ := set $data "AUTH_EXTERNAL_ISSUER" ($ext.issuer | default "") -}}
{{- $_ := set $data "AUTH_EXTERNAL_JWKS_URL" ($ext.jwksUrl | default "") -}}
{{- if $ext.audience }}{{ $_ := set $data "AUTH_EXTERNAL_AUDIENCE" $ext.audience }}{{ end -}}
{{- end -}}
{{- $jag := $auth.identityAssertions | default dict -}}
{{- if $jag.issuer -}}
{{- $_ := set $data "AUTH_ID_JAG_ISSUER" $jag.issuer -}}
{{- $_ := set $data "AUTH_ID_JAG_JWKS_URL" ($jag.jwksUrl | default "") -}}
{{- $_ := set $data "AUTH_ID_JAG_CLIENT_ID" ($jag.clientId | default "") -}}
{{- if $jag.name }}{{ $_ := set $data "AUTH_ID_JAG_NAME" $jag.name }}{{ end -}}
{{- end -}}
{{- end -}}

{{/* One env entry reading `key` of Secret `name`. */}}
{{- define "ec.secretEnv" -}}
{{- dict "name" (index . 0) "valueFrom" (dict "secretKeyRef" (dict "name" (index . 1) "key" (index . 2))) | toJson -}}
{{- end -}}

{{/* The secret env entries of sign-in (VAULT_KEYS, client secrets), a JSON list. Call with (list $ $c). */}}
{{- define "ec.signInEnv" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $env := list -}}
{{- if $root.Values.auth.signIn.enabled -}}
{{- $auth := $root.Values.auth.signIn -}}
{{- $si := $c.signIn | default dict -}}
{{- with $auth.vaultKeys }}{{ if .existingSecret }}{{ $env = append $env (include "ec.secretEnv" (list "VAULT_KEYS" .existingSecret (.key | default "vault_keys")) | fromJson) }}{{ end }}{{ end -}}
{{- $upstreams := include "ec.signInUpstreams" $c | fromJsonArray -}}
{{- $secrets := dict "AUTH_UPSTREAM_CLIENT_SECRET" (ternary ($si.upstreamClientSecret | default dict) dict (has "atlassian" $upstreams)) -}}
{{- $_ := set $secrets "AUTH_GOOGLE_CLIENT_SECRET" (($si.google | default dict).clientSecret | default dict) -}}
{{- $_ := set $secrets "AUTH_MICROSOFT_CLIENT_SECRET" (($si.microsoft | default dict).clientSecret | default dict) -}}
{{- $jag := $auth.identityAssertions | default dict -}}
{{- $_ := set $secrets "AUTH_ID_JAG_CLIENT_SECRET" (ternary ($jag.clientSecret | default dict) dict (not (empty $jag.issuer))) -}}
{{- range $name := keys $secrets | sortAlpha -}}
{{- $ref := get $secrets $name -}}
{{- if $ref.existingSecret -}}
{{- $env = append $env (include "ec.secretEnv" (list $name $ref.existingSecret ($ref.key | default (lower $name))) | fromJson) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $env | toJson -}}
{{- end -}}

{{/* The volume holding the Google service account's key (delegation), a JSON list. Call with (list $ $c). */}}
{{- define "ec.signInVolumes" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $sa := ((($c.signIn | default dict).google | default dict).serviceAccount | default dict) -}}
{{- $volumes := list -}}
{{- if and $root.Values.auth.signIn.enabled $sa.existingSecret -}}
{{- $items := list (dict "key" ($sa.key | default "service-account.json") "path" "service-account.json") -}}
{{- $secret := dict "secretName" $sa.existingSecret "defaultMode" 288 "items" $items -}}
{{- $volumes = append $volumes (dict "name" "google-service-account" "secret" $secret) -}}
{{- end -}}
{{- $volumes | toJson -}}
{{- end -}}

{{/* Its mount (read-only, the key only), a JSON list. Call with (list $ $c). */}}
{{- define "ec.signInVolumeMounts" -}}
{{- $mounts := list -}}
{{- range $v := include "ec.signInVolumes" . | fromJsonArray -}}
{{- $mounts = append $mounts (dict "name" $v.name "mountPath" (include "ec.serviceAccountDir" .) "readOnly" true) -}}
{{- end -}}
{{- $mounts | toJson -}}
{{- end -}}

{{/* The paths the Ingress publishes besides /mcp with sign-in on, a JSON list. */}}
{{- define "ec.signInPaths" -}}
{{- if not .Values.auth.signIn.enabled -}}
{{- list | toJson -}}
{{- else if eq (.Values.auth.signIn.mode | default "builtin") "external" -}}
{{- list "/.well-known" "/oauth" | toJson -}}
{{- else -}}
{{- list "/.well-known" "/authorize" "/token" "/register" "/revoke" "/oauth" | toJson -}}
{{- end -}}
{{- end -}}

{{/* Sign-in checks the schema cannot express; `fail` names the value to set. Call with (list $ $c). */}}
{{- define "ec.validateSignIn" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $auth := $root.Values.auth.signIn -}}
{{- $si := $c.signIn | default dict -}}
{{- $external := eq ($auth.mode | default "builtin") "external" -}}
{{- if and (not $external) (not $auth.vaultKeys.existingSecret) -}}
{{- fail "auth.signIn.vaultKeys.existingSecret is required with sign-in on: a Secret holding VAULT_KEYS" -}}
{{- end -}}
{{- if not (include "ec.publicUrl" (list $root $c)) -}}
{{- fail (printf "connectors.%s: sign-in needs signIn.publicUrl or ingress.host (the public HTTPS origin)" $c.name) -}}
{{- end -}}
{{- if $external -}}
{{- $ext := $auth.external | default dict -}}
{{- if or (not $ext.issuer) (not $ext.jwksUrl) -}}
{{- fail "auth.signIn.mode=external needs auth.signIn.external.issuer and auth.signIn.external.jwksUrl (your IdP's token issuer and its JWKS URL)" -}}
{{- end -}}
{{- end -}}
{{- $jag := $auth.identityAssertions | default dict -}}
{{- if $jag.issuer -}}
{{- if $external -}}
{{- fail "auth.signIn.identityAssertions needs auth.signIn.mode=builtin: identity assertions are traded at the built-in authorization server's token endpoint" -}}
{{- end -}}
{{- if or (not $jag.jwksUrl) (not $jag.clientId) (not ($jag.clientSecret | default dict).existingSecret) -}}
{{- fail "auth.signIn.identityAssertions.issuer is set: set its jwksUrl, clientId and clientSecret.existingSecret too (the IdP's JWKS and the client its agents use)" -}}
{{- end -}}
{{- else if or $jag.jwksUrl $jag.clientId ($jag.clientSecret | default dict).existingSecret -}}
{{- fail "auth.signIn.identityAssertions: set issuer (the IdP whose ID-JAGs to accept), or clear jwksUrl, clientId and clientSecret.existingSecret" -}}
{{- end -}}
{{- $upstreams := include "ec.signInUpstreams" $c | fromJsonArray -}}
{{- if has "atlassian" $upstreams -}}
{{- if or $si.google $si.microsoft -}}
{{- fail (printf "connectors.%s signs people in with Atlassian: use signIn.upstreamClientId and signIn.upstreamClientSecret, not signIn.google or signIn.microsoft" $c.name) -}}
{{- end -}}
{{- $complete := and $si.upstreamClientId ($si.upstreamClientSecret | default dict).existingSecret -}}
{{- $partial := or $si.upstreamClientId ($si.upstreamClientSecret | default dict).existingSecret -}}
{{- if and (not $complete) (or (not $external) $partial) -}}
{{- fail (printf "connectors.%s: sign-in needs signIn.upstreamClientId and signIn.upstreamClientSecret.existingSecret (the upstream OAuth app)" $c.name) -}}
{{- end -}}
{{- else -}}
{{- if or $si.upstreamClientId $si.upstreamSiteUrl ($si.upstreamClientSecret | default dict).existingSecret -}}
{{- fail (printf "connectors.%s signs people in with Google or Microsoft: use signIn.google and signIn.microsoft, not signIn.upstream*" $c.name) -}}
{{- end -}}
{{- $google := $si.google | default dict -}}
{{- $microsoft := $si.microsoft | default dict -}}
{{- $serviceAccount := ($google.serviceAccount | default dict).existingSecret -}}
{{- if or $serviceAccount $microsoft.onBehalfOf -}}
{{- include "ec.validateDelegation" (list $c $external $upstreams) -}}
{{- else -}}
{{- range $upstream := $upstreams -}}
{{- $app := get $si $upstream | default dict -}}
{{- if or (not $app.clientId) (not ($app.clientSecret | default dict).existingSecret) -}}
{{- fail (printf "connectors.%s: settings.PROVIDERS needs the %s login: set signIn.%s.clientId and signIn.%s.clientSecret.existingSecret (the %s OAuth app)" $c.name $upstream $upstream $upstream (title $upstream)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Delegation (signIn.google.serviceAccount, signIn.microsoft.onBehalfOf): mode external only, and for every
enabled provider, as the server requires (shared/auth/delegated.py). Call with (list $c $external $upstreams). */}}
{{- define "ec.validateDelegation" -}}
{{- $c := index . 0 -}}
{{- $external := index . 1 -}}
{{- $upstreams := index . 2 -}}
{{- $google := $c.signIn.google | default dict -}}
{{- $microsoft := $c.signIn.microsoft | default dict -}}
{{- if not $external -}}
{{- fail (printf "connectors.%s: signIn.google.serviceAccount and signIn.microsoft.onBehalfOf act for people by delegation, which needs auth.signIn.mode=external (your company's IdP signs them in); in builtin mode people sign in with signIn.google.clientId / signIn.microsoft.clientId instead" $c.name) -}}
{{- end -}}
{{- $why := printf "connectors.%s acts for people by delegation, so every provider of settings.PROVIDERS needs it" $c.name -}}
{{- if and (has "google" $upstreams) (not ($google.serviceAccount | default dict).existingSecret) -}}
{{- fail (printf "%s: set signIn.google.serviceAccount.existingSecret (a Secret holding the JSON key of a service account with domain-wide delegation)" $why) -}}
{{- end -}}
{{- if has "microsoft" $upstreams -}}
{{- if not $microsoft.onBehalfOf -}}
{{- fail (printf "%s: set signIn.microsoft.onBehalfOf: true (with the Entra app's clientId, clientSecret and tenant)" $why) -}}
{{- end -}}
{{- if or (not $microsoft.clientId) (not ($microsoft.clientSecret | default dict).existingSecret) -}}
{{- fail (printf "connectors.%s: signIn.microsoft.onBehalfOf needs signIn.microsoft.clientId and signIn.microsoft.clientSecret.existingSecret (the Entra app registration that exchanges people's tokens)" $c.name) -}}
{{- end -}}
{{- if has (lower ($microsoft.tenant | default "organizations")) (list "organizations" "common" "consumers") -}}
{{- fail (printf "connectors.%s: signIn.microsoft.onBehalfOf needs signIn.microsoft.tenant set to your tenant id (on-behalf-of is asked of your own tenant, not %s)" $c.name ($microsoft.tenant | default "organizations")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
