variable "environment" {
  type        = string
  description = "Name of the environment (dev, staging, production): in every resource name, vigilo-<environment>."
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "environment must be 2 to 12 lower-case letters and digits, starting with a letter."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Whether the GKE cluster and the Cloud SQL instance refuse to be destroyed."
}

variable "cloudsql_high_availability" {
  type        = bool
  description = "Whether Cloud SQL runs a standby in a second zone (REGIONAL availability)."
}

variable "search_hot_size" {
  type        = string
  description = "Memory of each Elasticsearch hot node, as Elastic Cloud sizes it (e.g. 4g)."
  validation {
    condition     = can(regex("^[1-9][0-9]*g$", var.search_hot_size))
    error_message = "search_hot_size must be a size in GB such as 4g."
  }
}

variable "search_zone_count" {
  type        = number
  description = "Zones the Elasticsearch deployment spans."
  validation {
    condition     = contains([1, 2, 3], var.search_zone_count)
    error_message = "search_zone_count must be 1, 2 or 3."
  }
}

variable "project_id" {
  type        = string
  description = "Google Cloud project of this environment."
  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id."
  }
}

variable "region" {
  type        = string
  description = "Region of every regional resource."
  default     = "europe-west1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a GCP region such as europe-west1."
  }
}

variable "authorized_networks" {
  type        = map(string)
  description = "Networks that may reach the GKE control plane: display name => CIDR."
  default     = {}
}

variable "gke_release_channel" {
  type        = string
  description = "GKE release channel."
  default     = "REGULAR"
}

variable "cloudsql_tier" {
  type        = string
  description = "Cloud SQL machine tier."
}

variable "cloudsql_iam_users" {
  type        = list(string)
  description = "Google accounts allowed to log in to PostgreSQL with IAM authentication."
  default     = []
  validation {
    condition     = alltrue([for u in var.cloudsql_iam_users : can(regex("^[^@]+@[^@]+$", u))])
    error_message = "cloudsql_iam_users must be e-mail addresses."
  }
}

variable "elastic_cloud_api_key" {
  type        = string
  description = "Elastic Cloud API key (TF_VAR_elastic_cloud_api_key; never in a file)."
  sensitive   = true
}

variable "elastic_psc_service_attachment" {
  type        = string
  description = "Elastic Cloud's Private Service Connect service attachment for the region."
  validation {
    condition     = can(regex("^projects/[^/]+/regions/[^/]+/serviceAttachments/[^/]+$", var.elastic_psc_service_attachment))
    error_message = "elastic_psc_service_attachment must be projects/P/regions/R/serviceAttachments/N."
  }
}

variable "cloudbuild_repository_id" {
  type        = string
  description = "Cloud Build 2nd-gen repository resource name of this git repository."
}

variable "build_branch_regex" {
  type        = string
  description = "Branches whose pushes build images."
  default     = "^(main|production)$"
}
