variable "project_id" {
  type        = string
  description = "Google Cloud project."
}

variable "region" {
  type        = string
  description = "Region of the trigger and of the Artifact Registry repository."
}

variable "repository_id" {
  type        = string
  description = "Cloud Build repository (2nd gen connection): projects/P/locations/L/connections/C/repositories/R."
  validation {
    condition     = can(regex("^projects/[^/]+/locations/[^/]+/connections/[^/]+/repositories/[^/]+$", var.repository_id))
    error_message = "repository_id must be a full Cloud Build repository resource name."
  }
}

variable "branch_regex" {
  type        = string
  description = "Branches whose pushes build images."
  default     = "^(main|production)$"
}
