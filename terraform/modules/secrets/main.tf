# Secret Manager holds the connection strings the services read as VIGILO_DATABASE_URL and VIGILO_ENGINE_URL.
# They reach the pods as Kubernetes Secrets (docs/operations/deploy.md: External Secrets or a sync job); each
# deployable's service account may read only the secrets it needs.

resource "google_secret_manager_secret" "this" {
  for_each  = var.accessors
  project   = var.project_id
  secret_id = each.key
  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
  labels = { app = "vigilo" }
}

resource "google_secret_manager_secret_version" "this" {
  for_each    = var.accessors
  secret      = google_secret_manager_secret.this[each.key].id
  secret_data = var.values[each.key]
}

locals {
  grants = merge([
    for secret, members in var.accessors : { for member in members : "${secret}/${member}" => { secret = secret, member = member } }
  ]...)
}

resource "google_secret_manager_secret_iam_member" "accessors" {
  for_each  = local.grants
  project   = var.project_id
  secret_id = google_secret_manager_secret.this[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}
