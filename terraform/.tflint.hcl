# tflint with its bundled Terraform ruleset (no plugin download: the google ruleset is not reachable here).
# `preset = "all"`: typed and documented variables and outputs, naming conventions, standard module
# structure, pinned required providers, no unused declarations, no deprecated syntax.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
