variable "project_id" {
  type        = string
  description = "Google Cloud project of the VPC."
}

variable "region" {
  type        = string
  description = "GCP region; the Elastic Cloud region is gcp-<region>."
}

variable "name" {
  type        = string
  description = "Deployment name."
}

variable "elasticsearch_version_regex" {
  type        = string
  description = "Elastic Stack version to run (the newest match); the product targets 9.x."
  default     = "^9\\.[0-9]+\\.[0-9]+$"
}

variable "deployment_template_id" {
  type        = string
  description = "Elastic Cloud deployment template."
  default     = "gcp-general-purpose"
}

variable "hot_size" {
  type        = string
  description = "Memory per zone of the hot tier, e.g. 8g."
  default     = "8g"
  validation {
    condition     = can(regex("^[0-9]+g$", var.hot_size))
    error_message = "hot_size must look like 8g."
  }
}

variable "zone_count" {
  type        = number
  description = "Availability zones of the hot tier."
  default     = 2
  validation {
    condition     = var.zone_count >= 1 && var.zone_count <= 3
    error_message = "zone_count must be 1, 2 or 3."
  }
}

variable "network_self_link" {
  type        = string
  description = "VPC of the Private Service Connect endpoint."
}

variable "subnet_self_link" {
  type        = string
  description = "Subnet of the endpoint's internal address."
}

variable "psc_service_attachment" {
  type        = string
  description = "Elastic Cloud's Private Service Connect service attachment URI for the region (from Elastic's documentation)."
}
