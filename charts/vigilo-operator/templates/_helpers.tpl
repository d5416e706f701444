{{- define "vop.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains "operator" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-operator" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vop.selectorLabels" -}}
app.kubernetes.io/name: operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vop.tag" -}}
{{- .Values.operator.image.tag | default .Values.global.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "vop.labels" -}}
{{ include "vop.selectorLabels" . }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: vigilo
app.kubernetes.io/version: {{ include "vop.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "vop.annotations" -}}
{{- if ne (toString .Values.global.syncWave) "" }}
argocd.argoproj.io/sync-wave: {{ .Values.global.syncWave | quote }}
{{- end }}
{{- with .Values.global.commonAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* metadata of a namespaced object; call with (dict "root" $ "suffix" "") */}}
{{- define "vop.metadata" -}}
name: {{ include "vop.fullname" .root }}{{ .suffix }}
{{- if not .clusterScoped }}
namespace: {{ .root.Release.Namespace }}
{{- end }}
labels:
  {{- include "vop.labels" .root | nindent 2 }}
{{- $annotations := include "vop.annotations" .root | trim }}
{{- if $annotations }}
annotations:
  {{- $annotations | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "vop.serviceAccountName" -}}
{{- .Values.operator.serviceAccount.name | default (include "vop.fullname" .) -}}
{{- end -}}

{{- define "vop.image" -}}
{{- $c := .Values.operator -}}
{{- $registry := .Values.global.image.registry -}}
{{- $ref := ternary $c.image.repository (printf "%s/%s" $registry $c.image.repository) (eq $registry "") -}}
{{- if $c.image.digest -}}
{{- printf "%s@%s" $ref $c.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (include "vop.tag" .) -}}
{{- end -}}
{{- end -}}

{{- define "vop.gcpServiceAccount" -}}
{{- $c := .Values.operator -}}
{{- if $c.serviceAccount.gcpServiceAccount -}}
{{- $c.serviceAccount.gcpServiceAccount -}}
{{- else if .Values.global.workloadIdentity.projectId -}}
{{- printf "%soperator@%s.iam.gserviceaccount.com" .Values.global.workloadIdentity.serviceAccountPrefix .Values.global.workloadIdentity.projectId -}}
{{- end -}}
{{- end -}}

{{/*
The container's environment: the port; the Lease and Events in the release namespace and the queues' project and
location from operator.gcp, unless env sets them; every other plain value; then every value from a Secret.
*/}}
{{- define "vop.env" -}}
{{- $c := .Values.operator -}}
{{- $derived := dict "VIGILO_OPERATOR_LEASE_NAMESPACE" .Release.Namespace "VIGILO_OPERATOR_EVENTS_NAMESPACE" .Release.Namespace "VIGILO_OPERATOR_CLOUD_TASKS_PROJECT" $c.gcp.projectId "VIGILO_OPERATOR_CLOUD_TASKS_LOCATION" $c.gcp.location -}}
{{- $env := dict -}}
{{- range $key, $value := $derived }}{{- if and (hasKey $c.env $key) $value }}{{- $_ := set $env $key $value }}{{- end }}{{- end }}
{{- range $key, $value := $c.env }}{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}{{- $_ := set $env $key $value }}{{- end }}{{- end }}
- name: VIGILO_OPERATOR_PORT
  value: {{ $c.port | quote }}
{{- range $key, $value := $env }}
{{- if not (index $c.secretEnv $key) }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- range $key, $ref := $c.secretEnv }}
{{- if $ref }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name }}
      key: {{ $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- range $c.extraEnv }}
- {{ toYaml . | nindent 2 | trim }}
{{- end }}
{{- end -}}
