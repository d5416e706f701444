# The Cloud Build trigger: every push to the tracked branches runs cloudbuild.yaml (all images, tagged by commit)
# as a dedicated service account that may only push images and write logs.

resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "vigilo-build"
  display_name = "Vigilo image builds"
}

resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

resource "google_cloudbuild_trigger" "images" {
  project         = var.project_id
  location        = var.region
  name            = "vigilo-images"
  description     = "Build and push every Vigilo image, tagged by commit"
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id

  repository_event_config {
    repository = var.repository_id
    push {
      branch = var.branch_regex
    }
  }

  substitutions = {
    _REGION = var.region
  }

  ignored_files = ["docs/**", "argocd/environments/**", "terraform/**", "**/*.md"]
}
