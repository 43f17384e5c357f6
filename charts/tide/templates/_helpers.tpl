{{/* The release's full name, at most 63 characters. */}}
{{- define "tide.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "tide.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: pass (list $ "scheduler"). */}}
{{- define "tide.selector" -}}
app.kubernetes.io/name: {{ (index . 0).Chart.Name }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "tide.serviceAccountName" -}}
{{- default (include "tide.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "tide.taskNamespace" -}}
{{- default .Release.Namespace .Values.kubernetes.taskNamespace -}}
{{- end -}}

{{- define "tide.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The environment every Tide container gets: credentials from Secrets, config from the ConfigMap. */}}
{{- define "tide.env" -}}
- name: TIDE_CONFIG
  value: /etc/tide/tide.yaml
- name: TIDE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.urlSecret.name }}
      key: {{ .Values.database.urlSecret.key }}
- name: TIDE_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.urlSecret.name }}
      key: {{ .Values.redis.urlSecret.key }}
{{- end -}}

{{- define "tide.volumeMounts" -}}
- name: config
  mountPath: /etc/tide
  readOnly: true
- name: dags
  mountPath: /opt/tide/dags
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "tide.volumes" -}}
- name: config
  configMap:
    name: {{ include "tide.fullname" . }}-config
- name: dags
  configMap:
    name: {{ default (printf "%s-dags" (include "tide.fullname" .)) .Values.dags.existingConfigMap }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "tide.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tide.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "tide.metricsAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}
