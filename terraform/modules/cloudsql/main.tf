# Cloud SQL for PostgreSQL 15, the source of truth: regional (high availability, automatic failover), private IP
# only, IAM database authentication, point-in-time recovery. The services log in with passwords stored in Secret
# Manager (VIGILO_DATABASE_URL); people log in with IAM (cloudsql.iam_authentication).

resource "google_sql_database_instance" "this" {
  project             = var.project_id
  name                = var.name
  region              = var.region
  database_version    = "POSTGRES_15"
  deletion_protection = var.deletion_protection

  settings {
    tier              = var.tier
    edition           = "ENTERPRISE"
    availability_type = var.high_availability ? "REGIONAL" : "ZONAL"
    disk_type         = "PD_SSD"
    disk_size         = var.disk_size_gb
    disk_autoresize   = true

    ip_configuration {
      ipv4_enabled                                  = false
      private_network                               = var.network_self_link
      enable_private_path_for_google_cloud_services = true
      ssl_mode                                      = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      start_time                     = "01:00"
      transaction_log_retention_days = 7
      backup_retention_settings {
        retained_backups = var.retained_backups
      }
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      record_application_tags = true
      record_client_address   = false
    }

    database_flags {
      name  = "cloudsql.iam_authentication"
      value = "on"
    }
    database_flags {
      name  = "max_connections"
      value = tostring(var.max_connections)
    }
    database_flags {
      name  = "log_min_duration_statement"
      value = "1000"
    }
  }

  depends_on = [var.private_services_connection]
}

resource "google_sql_database" "vigilo" {
  project  = var.project_id
  instance = google_sql_database_instance.this.name
  name     = var.database_name
}

# People (on-call, DBAs) log in with their Google identity.
resource "google_sql_user" "iam_users" {
  for_each = toset(var.iam_users)
  project  = var.project_id
  instance = google_sql_database_instance.this.name
  name     = each.value
  type     = "CLOUD_IAM_USER"
}

# The operator's role creates schemas and tenant roles; the services' role is granted per tenant by the operator.
resource "random_password" "app" {
  for_each = toset(["vigilo_operator", "vigilo_app"])
  length   = 32
  special  = false
}

resource "google_sql_user" "app" {
  for_each = random_password.app
  project  = var.project_id
  instance = google_sql_database_instance.this.name
  name     = each.key
  password = each.value.result
}
