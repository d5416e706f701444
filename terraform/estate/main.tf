# The GCP estate of one environment. Every environment applies this module with its own state and values, kept in
# terraform/environments/<env>/: backend.tfbackend (where the state is) and terraform.tfvars (what differs), so the
# environments cannot drift apart in code. State: gs://<project>-tfstate; see docs/operations/deploy.md.
terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5"
    }
    ec = {
      source  = "elastic/ec"
      version = ">= 0.12, < 1.0"
    }
  }
  # bucket and prefix come from terraform/environments/<env>/backend.tfbackend (terraform init -backend-config=...).
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "ec" {
  apikey = var.elastic_cloud_api_key
}

locals {
  name = "vigilo-${var.environment}"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudtasks.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "sqladmin.googleapis.com",
  ])
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

module "network" {
  source     = "../modules/network"
  project_id = var.project_id
  region     = var.region
  name       = local.name
  depends_on = [google_project_service.apis]
}

module "gke" {
  source              = "../modules/gke"
  project_id          = var.project_id
  region              = var.region
  name                = local.name
  network_self_link   = module.network.network_self_link
  subnet_self_link    = module.network.subnet_self_link
  pods_range_name     = module.network.pods_range_name
  services_range_name = module.network.services_range_name
  authorized_networks = var.authorized_networks
  release_channel     = var.gke_release_channel
  deletion_protection = var.deletion_protection
}

module "cloudsql" {
  source                      = "../modules/cloudsql"
  project_id                  = var.project_id
  region                      = var.region
  name                        = "${local.name}-pg15"
  network_self_link           = module.network.network_self_link
  private_services_connection = module.network.private_services_connection
  tier                        = var.cloudsql_tier
  high_availability           = var.cloudsql_high_availability
  iam_users                   = var.cloudsql_iam_users
  deletion_protection         = var.deletion_protection
}

module "identities" {
  source     = "../modules/identities"
  project_id = var.project_id
  depends_on = [google_project_service.apis]
}

module "search" {
  source                 = "../modules/search"
  project_id             = var.project_id
  region                 = var.region
  name                   = local.name
  hot_size               = var.search_hot_size
  zone_count             = var.search_zone_count
  network_self_link      = module.network.network_self_link
  subnet_self_link       = module.network.subnet_self_link
  psc_service_attachment = var.elastic_psc_service_attachment
}

# Seals the proxy's search-context and cursor ids to a tenant; the same on every replica.
resource "random_bytes" "proxy_context_key" {
  length = 32
}

module "secrets" {
  source     = "../modules/secrets"
  project_id = var.project_id
  region     = var.region
  accessors = {
    vigilo-database-url          = [for d in ["ingest", "indexer", "relay", "search", "proxy"] : module.identities.members[d]]
    vigilo-operator-database-url = [module.identities.members["operator"]]
    vigilo-engine-url            = [for d in ["indexer", "relay", "search", "proxy", "operator"] : module.identities.members[d]]
    vigilo-proxy-context-key     = [module.identities.members["proxy"]]
  }
  values = {
    vigilo-database-url          = module.cloudsql.database_urls["vigilo_app"]
    vigilo-operator-database-url = module.cloudsql.database_urls["vigilo_operator"]
    vigilo-engine-url            = module.search.engine_url
    vigilo-proxy-context-key     = random_bytes.proxy_context_key.base64
  }
}

module "cloudbuild" {
  source        = "../modules/cloudbuild"
  project_id    = var.project_id
  region        = var.region
  repository_id = var.cloudbuild_repository_id
  branch_regex  = var.build_branch_regex
  depends_on    = [google_project_service.apis]
}

data "google_compute_default_service_account" "nodes" {
  project    = var.project_id
  depends_on = [google_project_service.apis]
}

module "artifact_registry" {
  source     = "../modules/artifact-registry"
  project_id = var.project_id
  region     = var.region
  readers    = [data.google_compute_default_service_account.nodes.member]
  writers    = [module.cloudbuild.service_account_member]
  depends_on = [google_project_service.apis]
}
