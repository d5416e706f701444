# One Google service account per deployable, bound through Workload Identity to the Kubernetes ServiceAccount the
# charts create (<namespace>/<ksa>), plus the account whose OIDC token Cloud Tasks attaches to each push to the
# indexer. Cloud Tasks queues are created by the operator, so only IAM lives here.

locals {
  # deployable => Kubernetes ServiceAccount (charts/vigilo: vigilo-<component>; charts/vigilo-operator: vigilo-operator)
  deployables = {
    ingest   = { namespace = var.services_namespace, ksa = "vigilo-ingest" }
    indexer  = { namespace = var.services_namespace, ksa = "vigilo-indexer" }
    relay    = { namespace = var.services_namespace, ksa = "vigilo-relay" }
    search   = { namespace = var.services_namespace, ksa = "vigilo-search" }
    proxy    = { namespace = var.services_namespace, ksa = "vigilo-proxy" }
    operator = { namespace = var.operator_namespace, ksa = "vigilo-operator" }
  }
}

resource "google_service_account" "deployable" {
  for_each     = local.deployables
  project      = var.project_id
  account_id   = "vigilo-${each.key}"
  display_name = "Vigilo ${each.key}"
}

resource "google_service_account_iam_member" "workload_identity" {
  for_each           = local.deployables
  service_account_id = google_service_account.deployable[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${each.value.namespace}/${each.value.ksa}]"
}

# Cloud Tasks signs the OIDC token of each dispatch as this account; the indexer checks its email.
resource "google_service_account" "tasks" {
  project      = var.project_id
  account_id   = "vigilo-tasks"
  display_name = "Vigilo Cloud Tasks dispatches (OIDC identity towards the indexer)"
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_service_account_iam_member" "tasks_token_creator" {
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudtasks.iam.gserviceaccount.com"
}

# The relay creates tasks that carry the tasks account's token: it must be allowed to act as it.
resource "google_service_account_iam_member" "relay_acts_as_tasks" {
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.deployable["relay"].member
}

resource "google_project_iam_member" "relay_enqueues" {
  project = var.project_id
  role    = "roles/cloudtasks.enqueuer"
  member  = google_service_account.deployable["relay"].member
}

# The operator creates, updates and deletes each tenant's queue.
resource "google_project_iam_member" "operator_manages_queues" {
  project = var.project_id
  role    = "roles/cloudtasks.queueAdmin"
  member  = google_service_account.deployable["operator"].member
}

