output "service_account_member" {
  value       = google_service_account.build.member
  description = "IAM member of the build account (an Artifact Registry writer)."
}
