environment                    = "dev"
project_id                     = "vigilo-dev"
region                         = "europe-west1"
cloudsql_tier                  = "db-custom-2-8192"
elastic_psc_service_attachment = "projects/ELASTIC-PROJECT/regions/europe-west1/serviceAttachments/SEE-ELASTIC-PSC-DOCS"
cloudbuild_repository_id       = "projects/vigilo-dev/locations/europe-west1/connections/github/repositories/vigilo"
authorized_networks = {
  office = "203.0.113.0/24"
}
deletion_protection        = false
cloudsql_high_availability = false
search_hot_size            = "4g"
search_zone_count          = 1
