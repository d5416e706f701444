# The values the charts and argocd/environments/<env>/ consume.

output "image_registry" {
  value       = module.artifact_registry.registry
  description = "global.image.registry."
}

output "workload_identity_project" {
  value       = var.project_id
  description = "global.workloadIdentity.projectId (service accounts vigilo-<deployable>@<project>)."
}

output "service_accounts" {
  value       = module.identities.service_accounts
  description = "deployable => Google service account."
}

output "tasks_service_account" {
  value       = module.identities.tasks_service_account
  description = "relay.env.VIGILO_RELAY_OIDC_SERVICE_ACCOUNT and indexer.env.VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT."
}

output "cloud_tasks" {
  value       = { project = var.project_id, location = var.region }
  description = "operator.gcp and relay.env.VIGILO_RELAY_CLOUD_TASKS_PROJECT/_LOCATION."
}

output "secrets" {
  value       = module.secrets.secret_ids
  description = "Secret Manager ids synced into the Kubernetes Secrets vigilo-database, vigilo-operator-database and vigilo-engine."
}

output "cloudsql_connection_name" {
  value       = module.cloudsql.connection_name
  description = "Cloud SQL instance (for IAM logins through the Cloud SQL Auth Proxy)."
}

output "gke_cluster" {
  value       = module.gke.name
  description = "gcloud container clusters get-credentials <this> --region <region>."
}
