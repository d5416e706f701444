variable "project_id" {
  type        = string
  description = "Google Cloud project."
}

variable "services_namespace" {
  type        = string
  description = "Namespace of charts/vigilo."
  default     = "vigilo"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.services_namespace))
    error_message = "services_namespace must be a Kubernetes namespace name."
  }
}

variable "operator_namespace" {
  type        = string
  description = "Namespace of charts/vigilo-operator."
  default     = "vigilo-system"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.operator_namespace))
    error_message = "operator_namespace must be a Kubernetes namespace name."
  }
}
