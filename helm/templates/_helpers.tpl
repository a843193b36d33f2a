{{/* Chart name. */}}
{{- define "ec.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide prefix of every object name. */}}
{{- define "ec.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Names of the enabled connectors, sorted, as a JSON list: fromJsonArray (include ...). */}}
{{- define "ec.enabled" -}}
{{- $names := list -}}
{{- range $name, $c := .Values.connectors -}}
{{- if and $c $c.enabled -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- sortAlpha $names | toJson -}}
{{- end -}}

{{/*
The effective settings of one connector: `defaults` merged under the connector's own entry,
two levels deep (maps at the first level are merged key by key; anything else replaces).
Call: include "ec.connector" (list $ "jira") | fromJson
*/}}
{{- define "ec.connector" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $c := deepCopy (index $root.Values.connectors $name) -}}
{{- range $k, $dv := $root.Values.defaults -}}
{{- if not (hasKey $c $k) -}}
{{- $_ := set $c $k (deepCopy $dv) -}}
{{- else if and (kindIs "map" $dv) (kindIs "map" (get $c $k)) -}}
{{- $m := deepCopy $dv -}}
{{- range $sk, $sv := (get $c $k) -}}
{{- $_ := set $m $sk $sv -}}
{{- end -}}
{{- $_ := set $c $k $m -}}
{{- end -}}
{{- end -}}
{{- $_ := set $c "name" $name -}}
{{- $_ := set $c "fullname" (printf "%s-%s" (include "ec.fullname" $root) $name | trunc 63 | trimSuffix "-") -}}
{{- $_ := set $c "prefix" ($name | upper | replace "-" "_") -}}
{{- $_ := set $c "port" (int $c.port) -}}
{{- toJson $c -}}
{{- end -}}

{{/* Selector labels. Call with (list $ $c). */}}
{{- define "ec.selectorLabels" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
app.kubernetes.io/name: {{ include "ec.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ $c.name }}
{{- end -}}

{{/* Common labels. Call with (list $ $c). */}}
{{- define "ec.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ec.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: enterprise-connectors
{{- end -}}

{{/* The one image. */}}
{{- define "ec.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{/* ServiceAccount name. Call with $c. */}}
{{- define "ec.serviceAccountName" -}}
{{- if .serviceAccount.create -}}
{{- default .fullname .serviceAccount.name -}}
{{- else -}}
{{- default "default" .serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Host names accepted on /mcp (DNS-rebinding protection), without ports: the server accepts
`name` and `name:<any port>`, plus the loopback names. Call with (list $ $c).
*/}}
{{- define "ec.allowedHosts" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $hosts := list -}}
{{- if and $c.ingress.enabled $c.ingress.host -}}
{{- $hosts = append $hosts $c.ingress.host -}}
{{- end -}}
{{- $svc := $c.fullname -}}
{{- $ns := $root.Release.Namespace -}}
{{- range $h := list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns $root.Values.clusterDomain) -}}
{{- $hosts = append $hosts $h -}}
{{- end -}}
{{- if and $root.Values.auth.signIn.enabled ($c.signIn | default dict).publicUrl -}}
{{- $hosts = append $hosts (urlParse $c.signIn.publicUrl).hostname -}}
{{- end -}}
{{- range $h := ($c.allowedHosts | default list) -}}
{{- $hosts = append $hosts $h -}}
{{- end -}}
{{- $hosts | uniq | join "," -}}
{{- end -}}

{{/* Non-secret environment of a connector (the ConfigMap data). Call with (list $ $c). */}}
{{- define "ec.configData" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $p := $c.prefix -}}
{{- $data := dict -}}
{{- if $c.url }}{{ $_ := set $data (printf "%s_URL" $p) $c.url }}{{ end -}}
{{- if $c.email }}{{ $_ := set $data (printf "%s_EMAIL" $p) $c.email }}{{ end -}}
{{- $_ := set $data (printf "%s_READ_ONLY" $p) (ternary "true" "false" (default false $c.readOnly)) -}}
{{- if $c.toolsets }}{{ $_ := set $data (printf "%s_TOOLSETS" $p) (join "," $c.toolsets) }}{{ end -}}
{{- if $c.timezone }}{{ $_ := set $data (printf "%s_TIMEZONE" $p) $c.timezone }}{{ end -}}
{{- $_ := set $data (printf "%s_ALLOWED_HOSTS" $p) (include "ec.allowedHosts" (list $root $c)) -}}
{{- range $k, $v := ($c.settings | default dict) -}}
{{- $_ := set $data (printf "%s_%s" $p $k) (toString $v) -}}
{{- end -}}
{{- $_ := set $data "CONNECTORS_SECRETS_DIR" $c.credentials.mountPath -}}
{{- $_ := set $data "LOG_LEVEL" $root.Values.logLevel -}}
{{- if and $root.Values.redis.url (not $root.Values.redis.existingSecret) }}{{ $_ := set $data "REDIS_URL" $root.Values.redis.url }}{{ end -}}
{{- if and $root.Values.database.url (not $root.Values.database.existingSecret) }}{{ $_ := set $data "DATABASE_URL" $root.Values.database.url }}{{ end -}}
{{- if $root.Values.auth.signIn.enabled -}}
{{- include "ec.signInConfig" (list $root $c $data) -}}
{{- end -}}
{{- if $root.Values.otel.endpoint -}}
{{- $_ := set $data "OTEL_EXPORTER_OTLP_ENDPOINT" $root.Values.otel.endpoint -}}
{{- $_ := set $data "OTEL_SERVICE_NAME" $c.fullname -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/* The public origin people and ChatGPT reach a connector at (sign-in's issuer). Call with (list $ $c). */}}
{{- define "ec.publicUrl" -}}
{{- $c := index . 1 -}}
{{- $si := $c.signIn | default dict -}}
{{- if $si.publicUrl }}{{ $si.publicUrl }}{{ else if $c.ingress.host }}{{ printf "https://%s" $c.ingress.host }}{{ end -}}
{{- end -}}

{{/* Checks the schema cannot express. Call with (list $ $c). */}}
{{- define "ec.validate" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- if $root.Values.auth.signIn.enabled -}}
{{- include "ec.validateSignIn" (list $root $c) -}}
{{- end -}}
{{- if and $c.serviceAccount.automountToken (eq $c.credentials.mountAs "files") (has (trimSuffix "/" $c.credentials.mountPath) (list "/run/secrets" "/var/run/secrets")) -}}
{{- fail (printf "connectors.%s: serviceAccount.automountToken needs credentials.mountPath outside /run/secrets (the token is mounted at /var/run/secrets/kubernetes.io), e.g. /run/secrets/connectors" $c.name) -}}
{{- end -}}
{{- if and $c.ingress.enabled (not $c.ingress.host) -}}
{{- fail (printf "connectors.%s.ingress.host is required when the ingress is enabled (the public HTTPS host ChatGPT will call)" $c.name) -}}
{{- end -}}
{{- if and (gt (int $c.preStopSleepSeconds) 0) (ge (int $c.preStopSleepSeconds) (int $c.terminationGracePeriodSeconds)) -}}
{{- fail (printf "connectors.%s: terminationGracePeriodSeconds must be greater than preStopSleepSeconds" $c.name) -}}
{{- end -}}
{{- end -}}
