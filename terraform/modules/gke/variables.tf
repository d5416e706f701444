variable "project_id" {
  type        = string
  description = "Google Cloud project."
}

variable "region" {
  type        = string
  description = "Region of the (regional) cluster."
}

variable "name" {
  type        = string
  description = "Cluster name."
}

variable "network_self_link" {
  type        = string
  description = "VPC."
}

variable "subnet_self_link" {
  type        = string
  description = "Subnet of the nodes."
}

variable "pods_range_name" {
  type        = string
  description = "Secondary range of the pods."
}

variable "services_range_name" {
  type        = string
  description = "Secondary range of the Services."
}

variable "master_cidr" {
  type        = string
  description = "A /28 for the control plane's private endpoint."
  default     = "172.16.0.0/28"
  validation {
    condition     = can(cidrhost(var.master_cidr, 0)) && endswith(var.master_cidr, "/28")
    error_message = "master_cidr must be a /28 CIDR block."
  }
}

variable "authorized_networks" {
  type        = map(string)
  description = "Networks allowed to reach the control plane: display name => CIDR."
  default     = {}
  validation {
    condition     = alltrue([for cidr in values(var.authorized_networks) : can(cidrhost(cidr, 0))])
    error_message = "Every authorized network must be a CIDR block."
  }
}

variable "release_channel" {
  type        = string
  description = "GKE release channel."
  default     = "REGULAR"
  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse terraform destroy of the cluster."
  default     = true
}
