# The search cluster: an Elastic Cloud deployment on GCP in the cluster's region (see docs/adr/0013-delivery.md
# for Elastic Cloud over ECK), reached only through Private Service Connect from the VPC.

data "ec_stack" "this" {
  version_regex = var.elasticsearch_version_regex
  region        = "gcp-${var.region}"
}

resource "ec_deployment" "this" {
  name                   = var.name
  region                 = "gcp-${var.region}"
  version                = data.ec_stack.this.version
  deployment_template_id = var.deployment_template_id

  elasticsearch = {
    hot = {
      size        = var.hot_size
      zone_count  = var.zone_count
      autoscaling = {}
    }
  }

  kibana = {
    size       = "1g"
    zone_count = 1
  }

  traffic_filter = [ec_deployment_traffic_filter.psc.id]
}

# Private Service Connect: an internal address in the VPC forwarding to Elastic Cloud's service attachment.
resource "google_compute_address" "psc" {
  project      = var.project_id
  name         = "${var.name}-elastic-psc"
  region       = var.region
  subnetwork   = var.subnet_self_link
  address_type = "INTERNAL"
}

resource "google_compute_forwarding_rule" "psc" {
  project               = var.project_id
  name                  = "${var.name}-elastic-psc"
  region                = var.region
  network               = var.network_self_link
  ip_address            = google_compute_address.psc.id
  target                = var.psc_service_attachment
  load_balancing_scheme = ""
}

resource "ec_deployment_traffic_filter" "psc" {
  name   = "${var.name}-psc"
  region = "gcp-${var.region}"
  type   = "gcp_private_service_connect_endpoint"
  rule {
    source = google_compute_forwarding_rule.psc.psc_connection_id
  }
}
