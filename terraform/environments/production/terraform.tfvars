environment                    = "production"
project_id                     = "vigilo-prod"
region                         = "europe-west1"
cloudsql_tier                  = "db-custom-8-32768"
gke_release_channel            = "STABLE"
elastic_psc_service_attachment = "projects/ELASTIC-PROJECT/regions/europe-west1/serviceAttachments/SEE-ELASTIC-PSC-DOCS"
cloudbuild_repository_id       = "projects/vigilo-prod/locations/europe-west1/connections/github/repositories/vigilo"
build_branch_regex             = "^production$"
authorized_networks = {
  office = "203.0.113.0/24"
}
deletion_protection        = true
cloudsql_high_availability = true
search_hot_size            = "16g"
search_zone_count          = 3
