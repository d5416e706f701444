output "network_id" {
  value       = google_compute_network.this.id
  description = "VPC id."
}

output "network_self_link" {
  value       = google_compute_network.this.self_link
  description = "VPC self link (Cloud SQL private network)."
}

output "subnet_self_link" {
  value       = google_compute_subnetwork.gke.self_link
  description = "GKE subnet."
}

output "pods_range_name" {
  value       = "pods"
  description = "Secondary range name for pods."
}

output "services_range_name" {
  value       = "services"
  description = "Secondary range name for Services."
}

output "private_services_connection" {
  value       = google_service_networking_connection.private_services.id
  description = "Private service access connection; Cloud SQL depends on it."
}
