{{/*
Names, labels and the few Flotilla rules the chart must repeat: NATS addresses, a pool's full
label set and the names protocol/names.ts gives its streams and consumers (KEDA must point at
the very consumer the runners pull from; test/charts/flotilla.test.ts compares them).
*/}}

{{- define "flotilla.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.labels" -}}
app.kubernetes.io/name: flotilla
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "flotilla.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The bundled nats chart's full name, as its own helper makes it. */}}
{{- define "flotilla.natsFullname" -}}
{{- if .Values.nats.fullnameOverride -}}
{{- .Values.nats.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "nats" .Values.nats.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* What the bot and the runners dial. */}}
{{- define "flotilla.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s.%s.svc:4222" (include "flotilla.natsFullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "externalNats.url is required when nats.enabled is false" .Values.externalNats.url -}}
{{- end -}}
{{- end -}}

{{/* NATS_REPLICAS: given, else 3 on the bundled cluster (fewer if it is smaller), else 1. */}}
{{- define "flotilla.natsReplicas" -}}
{{- if .Values.natsReplicas -}}
{{- .Values.natsReplicas -}}
{{- else if and .Values.nats.enabled .Values.nats.config.cluster.enabled -}}
{{- min 3 (int .Values.nats.config.cluster.replicas) -}}
{{- else -}}
1
{{- end -}}
{{- end -}}

{{/* KEDA reads consumer lag from the monitoring endpoint; the headless service reaches each node. */}}
{{- define "flotilla.natsMonitoringEndpoint" -}}
{{- if .Values.nats.enabled -}}
{{- printf "%s-headless.%s.svc.cluster.local:8222" (include "flotilla.natsFullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "externalNats.monitoringEndpoint is required for autoscaling with an external NATS" .Values.externalNats.monitoringEndpoint -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{- .Values.publicUrl | trimSuffix "/" -}}
{{- else if and .Values.bot.ingress.enabled .Values.bot.ingress.host -}}
{{- printf "https://%s" .Values.bot.ingress.host -}}
{{- else -}}
{{- printf "http://%s-bot.%s.svc:%v" (include "flotilla.fullname" .) .Release.Namespace .Values.bot.service.port -}}
{{- end -}}
{{- end -}}

{{/*
One pool with runnerDefaults under it, as YAML: each key the pool gives wins, maps merged key by
key (a pool's `autoscaling: {enabled: true}` keeps the default maxReplicas). Not sprig's merge,
which takes 0 and false for "unset" and would turn `replicas: 0` into the default.
*/}}
{{- define "flotilla.pool" -}}
{{- $out := deepCopy .root.Values.runnerDefaults -}}
{{- range $key, $value := .pool -}}
{{- $default := get $out $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $default) -}}
{{- range $innerKey, $innerValue := $value }}{{ $_ := set $default $innerKey $innerValue }}{{ end -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
A label normalised as protocol/labels.ts does: trimmed, lower-case, architecture aliases folded.
*/}}
{{- define "flotilla.normalizeLabel" -}}
{{- $aliases := dict "amd64" "x64" "x86_64" "x64" "aarch64" "arm64" "armv7l" "arm" "ia32" "x86" "i386" "x86" "i686" "x86" -}}
{{- $lower := . | trim | lower -}}
{{- get $aliases $lower | default $lower -}}
{{- end -}}

{{/* The labels a pool's runners carry: self-hosted, linux, the architecture, then the pool's. */}}
{{- define "flotilla.poolLabels" -}}
{{- $labels := list "self-hosted" "linux" .arch -}}
{{- range .labels }}{{ $labels = append $labels . }}{{ end -}}
{{- include "flotilla.labelList" $labels -}}
{{- end -}}

{{/* A label list normalised, deduplicated and sorted, joined by commas. */}}
{{- define "flotilla.labelList" -}}
{{- $out := list -}}
{{- range . }}{{ $l := include "flotilla.normalizeLabel" . }}{{ if $l }}{{ $out = append $out $l }}{{ end }}{{ end -}}
{{- $out | uniq | sortAlpha | join "," -}}
{{- end -}}

{{/*
labelsetToken (protocol/labels.ts): the sorted labels joined by `+`, each character a subject
token cannot hold written %XX. The schema lets labels hold only [a-z0-9_.:/=@-], so only those
few need writing out.
*/}}
{{- define "flotilla.labelsetToken" -}}
{{- $list := include "flotilla.labelList" . -}}
{{- if not $list -}}
%none
{{- else -}}
{{- $list | replace "." "%2E" | replace ":" "%3A" | replace "/" "%2F" | replace "=" "%3D" | replace "@" "%40" | replace "," "+" -}}
{{- end -}}
{{- end -}}

{{/* names.jobsStream(namespace): <PREFIX>_JOBS_<namespace>. */}}
{{- define "flotilla.jobsStream" -}}
{{- printf "%s_JOBS_%s" (.prefix | upper | replace "-" "_") .namespace -}}
{{- end -}}

{{/* names.jobConsumer(namespace, token): jobs_<namespace>_<first 16 hex of sha256(token)>. */}}
{{- define "flotilla.jobConsumer" -}}
{{- printf "jobs_%s_%s" .namespace (sha256sum .token | trunc 16) -}}
{{- end -}}
