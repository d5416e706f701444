output "service_accounts" {
  value       = { for k, sa in google_service_account.deployable : k => sa.email }
  description = "deployable => Google service account email (charts: serviceAccount.gcpServiceAccount, or global.workloadIdentity)."
}

output "members" {
  value       = { for k, sa in google_service_account.deployable : k => sa.member }
  description = "deployable => IAM member string."
}

output "tasks_service_account" {
  value       = google_service_account.tasks.email
  description = "VIGILO_RELAY_OIDC_SERVICE_ACCOUNT and VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT."
}
