output "connection_name" {
  value       = google_sql_database_instance.this.connection_name
  description = "project:region:instance."
}

output "private_ip" {
  value       = google_sql_database_instance.this.private_ip_address
  description = "Private IP the services connect to."
}

output "database_urls" {
  value = {
    for user, password in random_password.app :
    user => "postgres://${user}:${password.result}@${google_sql_database_instance.this.private_ip_address}:5432/${google_sql_database.vigilo.name}?sslmode=require"
  }
  description = "Connection strings per database user (stored in Secret Manager by the secrets module)."
  sensitive   = true
}
