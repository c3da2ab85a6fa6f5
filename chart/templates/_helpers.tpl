{{/*
Names. fullname is the release name (or fullnameOverride), cut so that "<fullname>-backfill" stays within
the 52 characters a CronJob name may have and "<fullname>-migrate-<hash>" within 63.
*/}}
{{- define "ehe.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "ehe.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ehe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ehe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ehe.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ehe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "ehe.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret the pods read the connection from: an existing one, or the one this chart creates. */}}
{{- define "ehe.secretName" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else -}}
{{- printf "%s-db" (include "ehe.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "ehe.createSecret" -}}
{{- if not .Values.database.existingSecret -}}
{{- if not .Values.database.url -}}
{{- fail "database: set existingSecret (a Secret with the connection URL) or url (the chart then creates the Secret)" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{/* Connection, logging and design environment: credentials only through secretKeyRef. */}}
{{- define "ehe.env" -}}
{{- $db := .Values.database -}}
{{- $secret := include "ehe.secretName" . -}}
{{- $created := include "ehe.createSecret" . -}}
{{- $urlKey := ternary "uri" $db.urlKey (eq $created "true") -}}
{{- $userKey := ternary (ternary "username" "" (ne (toString $db.username) "")) $db.usernameKey (eq $created "true") -}}
{{- $passKey := ternary (ternary "password" "" (ne (toString $db.password) "")) $db.passwordKey (eq $created "true") -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $urlKey }}
{{- if $userKey }}
- name: PGUSER
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $userKey }}
{{- end }}
{{- if $passKey }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $passKey }}
{{- end }}
- name: LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
{{- if .Values.design }}
- name: EHE_DESIGN
  value: {{ .Values.design | quote }}
{{- end }}
- name: EHE_SCHEMA
  value: {{ .Values.schema | quote }}
{{- with .Values.moduleSchema }}
- name: EHE_MODULE_SCHEMA
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The pod spec every Job shares. Call with (dict "root" $ "component" "migrate" "args" (list ...) "resources" {...}).
*/}}
{{- define "ehe.podSpec" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
restartPolicy: Never
terminationGracePeriodSeconds: 60
{{- with $v.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: {{ $v.automountServiceAccountToken }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . }}
{{- end }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
{{ toYaml $v.podSecurityContext | indent 2 }}
containers:
  - name: {{ .component }}
    image: {{ include "ehe.image" $root | quote }}
    imagePullPolicy: {{ $v.image.pullPolicy }}
    args:
{{- range .args }}
      - {{ . | toString | quote }}
{{- end }}
    env:
{{ include "ehe.env" $root | indent 6 }}
    resources:
{{ toYaml .resources | indent 6 }}
    securityContext:
{{ toYaml $v.securityContext | indent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
{{- with $v.extraVolumeMounts }}
{{ toYaml . | indent 6 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ $v.tmpVolume.sizeLimit }}
{{- with $v.extraVolumes }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector:
{{ toYaml . | indent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
{{ toYaml . | indent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}

{{/* `migrate` arguments from values. */}}
{{- define "ehe.migrateArgs" -}}
{{- $m := .Values.migrations -}}
{{- $args := list "migrate" "--lock-timeout" $m.lockTimeout "--index-lock-timeout" $m.indexLockTimeout "--max-attempts" (int64 $m.maxAttempts | toString) "--retry-backoff" $m.retryBackoff -}}
{{- if $m.tag }}{{ $args = concat $args (list "--tag" $m.tag) }}{{ end -}}
{{- if .Values.pending.semantics }}{{ $args = concat $args (list "--semantics" .Values.pending.semantics) }}{{ end -}}
{{- range .Values.pending.targetModels }}{{ $args = concat $args (list "--target-model" .) }}{{ end -}}
{{- range .Values.readerRoles }}{{ $args = concat $args (list "--reader-role" .) }}{{ end -}}
{{- range .Values.queueRoles }}{{ $args = concat $args (list "--queue-role" .) }}{{ end -}}
{{- if .Values.pending.changeQuestion }}{{ $args = append $args "--change-question" }}{{ end -}}
{{- if .Values.pending.newModel }}{{ $args = append $args "--new-model" }}{{ end -}}
{{- $args = concat $args $m.extraArgs -}}
{{- toJson $args -}}
{{- end -}}

{{/* `backfill` arguments from values; null leaves the CLI's default. */}}
{{- define "ehe.backfillArgs" -}}
{{- $b := .Values.backfill -}}
{{- $args := list "backfill" -}}
{{- if not (kindIs "invalid" $b.batchSize) }}{{ $args = concat $args (list "--batch-size" (int64 $b.batchSize | toString)) }}{{ end -}}
{{- if not (kindIs "invalid" $b.targetBatchMs) }}{{ $args = concat $args (list "--target-batch-ms" (int64 $b.targetBatchMs | toString)) }}{{ end -}}
{{- if $b.sleep }}{{ $args = concat $args (list "--sleep" $b.sleep) }}{{ end -}}
{{- if not (kindIs "invalid" $b.maxRows) }}{{ $args = concat $args (list "--max-rows" (int64 $b.maxRows | toString)) }}{{ end -}}
{{- if $b.maxDuration }}{{ $args = concat $args (list "--max-duration" $b.maxDuration) }}{{ end -}}
{{- if $b.lockTimeout }}{{ $args = concat $args (list "--lock-timeout" $b.lockTimeout) }}{{ end -}}
{{- if $b.statementTimeout }}{{ $args = concat $args (list "--statement-timeout" $b.statementTimeout) }}{{ end -}}
{{- if not (kindIs "invalid" $b.maxRetries) }}{{ $args = concat $args (list "--max-retries" (int64 $b.maxRetries | toString)) }}{{ end -}}
{{- if gt (int64 $b.shards) 1 }}{{ $args = concat $args (list "--shards" (int64 $b.shards | toString)) }}{{ end -}}
{{- if $b.thenMigrate }}{{ $args = append $args "--then-migrate" }}{{ end -}}
{{- $args = concat $args $b.extraArgs -}}
{{- toJson $args -}}
{{- end -}}

{{/* A duration value (integer + ms, s, min or h; the schema checks the shape) in milliseconds. */}}
{{- define "ehe.durationMillis" -}}
{{- $amount := regexFind "^[0-9]+" . | int64 -}}
{{- $unit := trimPrefix (regexFind "^[0-9]+" .) . -}}
{{- $per := dict "ms" 1 "s" 1000 "min" 60000 "h" 3600000 -}}
{{- mul $amount (get $per $unit) -}}
{{- end -}}

{{/*
The migrate Job must end by itself before Kubernetes kills it at activeDeadlineSeconds: a pod killed
in the middle of a CONCURRENTLY build leaves an INVALID index and a log that says nothing. Worst case
of the lock waits: every attempt refused after the longer of the two timeouts, plus the pauses between
attempts (doubling, capped at 60 s, as the CLI does), plus 5 minutes for start-up and the build itself.
*/}}
{{- define "ehe.checkMigrateDeadline" -}}
{{- $m := .Values.migrations -}}
{{- $lock := include "ehe.durationMillis" $m.lockTimeout | int64 -}}
{{- $index := include "ehe.durationMillis" $m.indexLockTimeout | int64 -}}
{{- $backoff := include "ehe.durationMillis" $m.retryBackoff | int64 -}}
{{- $attempts := int64 $m.maxAttempts -}}
{{- $worst := mul $attempts (max $lock $index) -}}
{{- $pause := min 60000 $backoff -}}
{{- range $i := until (int (sub $attempts 1)) -}}
{{- $worst = add $worst $pause -}}
{{- $pause = min 60000 (mul $pause 2) -}}
{{- end -}}
{{- $reserve := 300000 -}}
{{- $deadline := mul (int64 $m.activeDeadlineSeconds) 1000 -}}
{{- if gt (add $worst $reserve) $deadline -}}
{{- fail (printf "migrations: maxAttempts (%d) x the longer of lockTimeout and indexLockTimeout (%s), plus the pauses between attempts and 300 s for start-up and the index build, come to %d s, past activeDeadlineSeconds (%d s): Kubernetes would kill the Job in the middle of a retry. Lower maxAttempts or indexLockTimeout, or raise activeDeadlineSeconds." $attempts (ternary $m.indexLockTimeout $m.lockTimeout (ge $index $lock)) (div (add $worst $reserve) 1000) (int64 $m.activeDeadlineSeconds)) -}}
{{- end -}}
{{- end -}}

{{/* gitops.mode: helm (also when the key is absent, as in a parent chart's old values), flux or argocd. */}}
{{- define "ehe.mode" -}}
{{- $g := .Values.gitops | default dict -}}
{{- $g.mode | default "helm" -}}
{{- end -}}

{{/* helm --timeout and Flux's HelmRelease spec.timeout, in whole minutes: the Job's deadline plus the margin. */}}
{{- define "ehe.releaseTimeoutMinutes" -}}
{{- $margin := 300 -}}
{{- with .Values.gitops }}{{ if not (kindIs "invalid" .timeoutMarginSeconds) }}{{ $margin = int64 .timeoutMarginSeconds }}{{ end }}{{ end -}}
{{- div (add (int64 .Values.migrations.activeDeadlineSeconds) $margin 59) 60 -}}
{{- end -}}

{{/*
Refusals the schema cannot word clearly, checked wherever a resource is rendered:
1. hook annotations given as plain annotations. Argo CD ignores every Helm hook of the whole release as
   soon as one resource carries an argocd.argoproj.io/hook* annotation: the migration Job, the Secret
   hook and the test Pod would become plain resources, applied with everything else (and the Secret
   deleted with the hook policy). helm.sh/hook* from values would fight the chart's own.
2. argocd mode: the migration is an Argo CD hook (hook=false has no meaning there), and a PreSync hook
   runs before the Sync phase in which a chart-created Secret (an ordinary resource there) is applied.
3. a TTL on a plain migration Job: the Job vanishes, whatever reconciles the release creates it again
   and migrate runs again (after the rollback runbook it would re-install the design).
4. a volume mount naming no volume: the API server would refuse the pod only at run time.
*/}}
{{- define "ehe.checkValues" -}}
{{- $mode := include "ehe.mode" . -}}
{{- $m := .Values.migrations -}}
{{- range $component, $values := dict "migrations" $m "backfill" .Values.backfill "driftCheck" (.Values.driftCheck | default dict) -}}
{{- range $key, $_ := $values.annotations -}}
{{- if or (hasPrefix "argocd.argoproj.io/hook" $key) (hasPrefix "helm.sh/hook" $key) -}}
{{- fail (printf "%s.annotations: %q belongs to the chart. One Argo CD hook annotation makes Argo CD ignore every Helm hook of the release (the migration and Secret hooks would run as plain resources); set gitops.mode=argocd for Argo CD's hooks, or leave gitops.mode=helm for Helm's." $component $key) -}}
{{- end -}}
{{- if and (eq $mode "argocd") (eq $key "argocd.argoproj.io/sync-wave") -}}
{{- fail (printf "%s.annotations: %q is set by the chart in gitops.mode=argocd: use gitops.argocd.migrateSyncWave" $component $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq $mode "argocd" -}}
{{- if and $m.enabled (not $m.hook) -}}
{{- fail "gitops.mode=argocd: the migration runs as an Argo CD hook, migrations.hook=false has no meaning there (for a plain Job applied in a sync wave use gitops.mode=helm with migrations.hook=false)" -}}
{{- end -}}
{{- if and $m.enabled (eq (include "ehe.createSecret" .) "true") (eq .Values.gitops.argocd.migrateHook "PreSync") -}}
{{- fail "gitops.mode=argocd: a PreSync migration runs before the Sync phase that creates the chart's Secret (database.url): use gitops.argocd.migrateHook=Sync, or database.existingSecret" -}}
{{- end -}}
{{- else if and $m.enabled (not $m.hook) (not (kindIs "invalid" $m.ttlSecondsAfterFinished)) -}}
{{- fail "migrations.ttlSecondsAfterFinished must be null with migrations.hook=false: the plain Job would vanish after the TTL and helm upgrade, Argo CD self-heal or Flux drift correction would create it again and run migrate again (after a rollback, re-installing the design)" -}}
{{- end -}}
{{- $volumes := list "tmp" -}}
{{- range .Values.extraVolumes }}{{ $volumes = append $volumes .name }}{{ end -}}
{{- range .Values.extraVolumeMounts -}}
{{- if not (has .name $volumes) -}}
{{- fail (printf "extraVolumeMounts: %q names no volume of extraVolumes" .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
podFailurePolicy of a Job whose container is .component. Exit codes that no retry can turn into success
fail the Job at once (io.ehe.cli.ExitCodes):
   2 usage: a bad flag or value, nothing done; the same arguments come back on every retry
   6 wrong database: no events/event_embeddings; the URL, not time, has to change
   9 design not installed (or both, none named): backfill/status need migrate first, not a retry
  10 unsuitable connection (transaction pooler, hot standby, read-only sessions): the URL has to change
  11 the module's changeSets recorded under another file name: the repair the error line gives, by hand
  13 not confirmed: a change of question or a new model needs pending.changeQuestion / pending.newModel
  14 status: module not installed (neither design in the database): migrate has to run there, or the URL is wrong
   8 (the drift check only) verify found drift: the Job fails at once, which is the alert (kube_job_failed)
Retried (within backoffLimit): 1 (any other failure), 3 (could not connect: the server may be
restarting), 4 (lock not granted: the blocker may be gone), 5 (not ready), 7 (interrupted: resumes),
12 (more to do: backfill ended a plan while a target added later is still filling; the next run fills it).
An evicted, preempted or drained pod (DisruptionTarget) does not count against backoffLimit: migrate and
backfill both start again safely (an INVALID index left by a killed build is rebuilt by migrate).
*/}}
{{- define "ehe.podFailurePolicy" -}}
{{- if .root.Values.podFailurePolicy.enabled -}}
{{- /* The drift check (verify) also fails at once on 8: a drift is its finding, not a fault a retry fixes. */ -}}
{{- $codes := ternary (list 2 6 8 9 10 11 13 14) (list 2 6 9 10 11 13 14) (eq .component "drift-check") -}}
podFailurePolicy:
  rules:
    - action: FailJob
      onExitCodes:
        containerName: {{ .component }}
        operator: In
        values: [{{ join ", " $codes }}]
    - action: Ignore
      onPodConditions:
        - type: DisruptionTarget
{{- end -}}
{{- end -}}

{{/*
A PromQL vector selector: the metric name (list index 0) with metrics.prometheusRule.selector's label
matchers (index 1), or the bare name when there are none (PromQL refuses an empty "{}").
*/}}
{{- define "ehe.promMetric" -}}
{{- $name := index . 0 -}}
{{- $selector := index . 1 -}}
{{- if $selector -}}
{{- printf "%s{%s}" $name $selector -}}
{{- else -}}
{{- $name -}}
{{- end -}}
{{- end -}}
