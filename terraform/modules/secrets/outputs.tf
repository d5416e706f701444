output "secret_ids" {
  value       = keys(var.accessors)
  description = "Secret Manager secret ids."
}
