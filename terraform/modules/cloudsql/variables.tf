variable "project_id" {
  type        = string
  description = "Google Cloud project."
}

variable "region" {
  type        = string
  description = "Region of the instance (and its standby)."
}

variable "name" {
  type        = string
  description = "Instance name (never reused within a week of deletion)."
}

variable "network_self_link" {
  type        = string
  description = "VPC whose private service access the instance uses."
}

variable "private_services_connection" {
  type        = string
  description = "The private service access connection (dependency only)."
}

variable "tier" {
  type        = string
  description = "Machine tier, e.g. db-custom-4-16384."
  default     = "db-custom-2-8192"
  validation {
    condition     = can(regex("^db-(custom-[0-9]+-[0-9]+|perf-optimized-N-[0-9]+|f1-micro|g1-small)$", var.tier))
    error_message = "tier must be a Cloud SQL tier such as db-custom-2-8192."
  }
}

variable "high_availability" {
  type        = bool
  description = "Regional instance with a standby in another zone."
  default     = true
}

variable "disk_size_gb" {
  type        = number
  description = "Initial disk size (grows automatically)."
  default     = 100
  validation {
    condition     = var.disk_size_gb >= 10
    error_message = "disk_size_gb must be at least 10."
  }
}

variable "max_connections" {
  type        = number
  description = "PostgreSQL max_connections (sum of every pool of every replica, plus headroom)."
  default     = 400
}

variable "retained_backups" {
  type        = number
  description = "Daily backups kept."
  default     = 14
}

variable "database_name" {
  type        = string
  description = "The Vigilo database."
  default     = "vigilo"
}

variable "iam_users" {
  type        = list(string)
  description = "Google accounts that may log in with IAM authentication."
  default     = []
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse terraform destroy of the instance."
  default     = true
}
