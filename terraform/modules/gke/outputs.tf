output "name" {
  value       = google_container_cluster.this.name
  description = "Cluster name (gcloud container clusters get-credentials)."
}

output "endpoint" {
  value       = google_container_cluster.this.endpoint
  description = "Control plane endpoint."
  sensitive   = true
}

output "workload_pool" {
  value       = "${var.project_id}.svc.id.goog"
  description = "Workload Identity pool."
}
