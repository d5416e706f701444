{{/*
Every component template is called with a context (dict "root" $ "name" "<component>") and reads its values
from .Values.<component>. The static facts about each component live in "vigilo.components" below.
*/}}

{{/* Static facts about each component: the variable that carries its port, its exposure. */}}
{{- define "vigilo.components" -}}
ingest: {portVariable: VIGILO_INGEST_PORT, rolloutCapable: false}
indexer: {portVariable: VIGILO_INDEXER_PORT, rolloutCapable: false}
relay: {portVariable: VIGILO_RELAY_PORT, rolloutCapable: false}
search: {portVariable: VIGILO_SEARCH_PORT, rolloutCapable: true}
proxy: {portVariable: VIGILO_PROXY_PORT, rolloutCapable: true}
{{- end -}}

{{- define "vigilo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: <fullname>-<component>. */}}
{{- define "vigilo.componentName" -}}
{{- printf "%s-%s" (include "vigilo.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vigilo.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "vigilo.labels" -}}
{{ include "vigilo.selectorLabels" . }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/part-of: vigilo
app.kubernetes.io/version: {{ include "vigilo.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- with .root.Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Annotations every object carries (the Argo CD sync wave of this release, when set). */}}
{{- define "vigilo.annotations" -}}
{{- if ne (toString .root.Values.global.syncWave) "" }}
argocd.argoproj.io/sync-wave: {{ .root.Values.global.syncWave | quote }}
{{- end }}
{{- with .root.Values.global.commonAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "vigilo.metadata" -}}
name: {{ include "vigilo.componentName" . }}
namespace: {{ .root.Release.Namespace }}
labels:
  {{- include "vigilo.labels" . | nindent 2 }}
{{- $annotations := include "vigilo.annotations" . | trim }}
{{- if $annotations }}
annotations:
  {{- $annotations | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "vigilo.values" -}}
{{- index .root.Values .name | toYaml -}}
{{- end -}}

{{- define "vigilo.imageTag" -}}
{{- $c := index .root.Values .name -}}
{{- $c.image.tag | default .root.Values.global.image.tag | default .root.Chart.AppVersion -}}
{{- end -}}

{{- define "vigilo.image" -}}
{{- $c := index .root.Values .name -}}
{{- $repository := $c.image.repository | default .name -}}
{{- $registry := .root.Values.global.image.registry -}}
{{- $ref := ternary $repository (printf "%s/%s" $registry $repository) (eq $registry "") -}}
{{- if $c.image.digest -}}
{{- printf "%s@%s" $ref $c.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (include "vigilo.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{- define "vigilo.serviceAccountName" -}}
{{- $c := index .root.Values .name -}}
{{- $c.serviceAccount.name | default (include "vigilo.componentName" .) -}}
{{- end -}}

{{/* The Google service account bound through Workload Identity, or nothing. */}}
{{- define "vigilo.gcpServiceAccount" -}}
{{- $c := index .root.Values .name -}}
{{- if $c.serviceAccount.gcpServiceAccount -}}
{{- $c.serviceAccount.gcpServiceAccount -}}
{{- else if .root.Values.global.workloadIdentity.projectId -}}
{{- printf "%s%s@%s.iam.gserviceaccount.com" .root.Values.global.workloadIdentity.serviceAccountPrefix .name .root.Values.global.workloadIdentity.projectId -}}
{{- end -}}
{{- end -}}

{{/* In-cluster URL of a component's Service. */}}
{{- define "vigilo.serviceUrl" -}}
{{- $target := index .root.Values .name -}}
{{- printf "http://%s.%s.svc:%v" (include "vigilo.componentName" .) .root.Release.Namespace $target.service.port -}}
{{- end -}}

{{/*
The container's environment: the port; the proxy's upstream URLs (the in-cluster Services of ingest and search,
when enabled) unless env sets them; every other plain value; then every value from a Secret.
*/}}
{{- define "vigilo.env" -}}
{{- $c := index .root.Values .name -}}
{{- $facts := index (include "vigilo.components" . | fromYaml) .name -}}
{{- $env := dict -}}
{{- if eq .name "proxy" -}}
{{- range $upstream := list "ingest" "search" -}}
{{- $key := printf "VIGILO_PROXY_%s_URL" (upper $upstream) -}}
{{- if and (hasKey $c.env $key) (index $.root.Values $upstream).enabled -}}
{{- $_ := set $env $key (include "vigilo.serviceUrl" (dict "root" $.root "name" $upstream)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := $c.env }}{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}{{- $_ := set $env $key $value }}{{- end }}{{- end }}
- name: {{ $facts.portVariable }}
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

{{- define "vigilo.podTemplate" -}}
{{- $c := index .root.Values .name -}}
{{- $g := .root.Values.global -}}
metadata:
  labels:
    {{- include "vigilo.labels" . | nindent 4 }}
  {{- with $c.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "vigilo.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with $g.image.pullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  terminationGracePeriodSeconds: {{ $c.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml $g.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .name }}
      image: {{ include "vigilo.image" . | quote }}
      imagePullPolicy: {{ $g.image.pullPolicy }}
      ports:
        - name: http
          containerPort: {{ $c.port }}
          protocol: TCP
      env:
        {{- include "vigilo.env" . | nindent 8 }}
      startupProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: 2
        failureThreshold: 30
      livenessProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      readinessProbe:
        httpGet: {path: /readyz, port: http}
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      resources:
        {{- toYaml $c.resources | nindent 8 }}
      securityContext:
        {{- toYaml $g.containerSecurityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $g.tmpSizeLimit }}
  {{- with $c.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $c.topologySpread }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "vigilo.selectorLabels" . | nindent 10 }}
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "vigilo.selectorLabels" . | nindent 10 }}
  {{- end }}
{{- end -}}
