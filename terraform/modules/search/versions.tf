terraform {
  required_version = ">= 1.6"
  required_providers {
    ec = {
      source  = "elastic/ec"
      version = ">= 0.12, < 1.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }
}
