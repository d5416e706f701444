variable "project_id" {
  type        = string
  description = "Google Cloud project."
}

variable "region" {
  type        = string
  description = "Where the secrets are replicated."
}

variable "accessors" {
  type        = map(list(string))
  description = "secret id => the IAM members that may read it."
  validation {
    condition     = alltrue([for id in keys(var.accessors) : can(regex("^[a-zA-Z0-9_-]{1,255}$", id))])
    error_message = "Secret ids may contain letters, digits, - and _ only."
  }
}

variable "values" {
  type        = map(string)
  description = "secret id => value (one for each key of accessors)."
  sensitive   = true
}
