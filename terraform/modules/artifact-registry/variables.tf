variable "project_id" {
  type        = string
  description = "Google Cloud project."
}

variable "region" {
  type        = string
  description = "Location of the repository (the cluster's region)."
}

variable "repository_id" {
  type        = string
  description = "Repository name (the last path element of global.image.registry)."
  default     = "vigilo"
}

variable "keep_versions" {
  type        = number
  description = "Most recent versions of each image kept whatever their age (rollback targets)."
  default     = 30
  validation {
    condition     = var.keep_versions >= 5
    error_message = "Keep at least 5 versions, so rollbacks have images to go back to."
  }
}

variable "readers" {
  type        = list(string)
  description = "IAM members that pull (the GKE nodes' service account)."
  default     = []
}

variable "writers" {
  type        = list(string)
  description = "IAM members that push (the Cloud Build service account)."
  default     = []
}
