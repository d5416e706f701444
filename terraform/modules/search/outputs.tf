output "engine_url" {
  value       = "https://${ec_deployment.this.elasticsearch_username}:${ec_deployment.this.elasticsearch_password}@${trimprefix(ec_deployment.this.elasticsearch.https_endpoint, "https://")}"
  description = "VIGILO_ENGINE_URL (stored in Secret Manager)."
  sensitive   = true
}

output "psc_address" {
  value       = google_compute_address.psc.address
  description = "Internal address of the Private Service Connect endpoint (private DNS for the deployment alias points here)."
}
