# Secrets and configuration before the code that reads them.

resource "ibm_code_engine_secret" "env" {
  for_each   = { for s in var.secrets : s.name => s if s.from == "env" }
  project_id = ibm_code_engine_project.guard.project_id
  name       = each.key
  format     = "generic"
  data       = { for key in each.value.keys : key => try(var.secret_values[each.key][key], null) }
  lifecycle {
    precondition {
      condition     = alltrue([for key in each.value.keys : try(var.secret_values[each.key][key], null) != null])
      error_message = "secret ${each.key} needs the values of ${join(", ", each.value.keys)} in TF_VAR_secret_values (see README.md, Secrets)."
    }
  }
}

resource "ibm_code_engine_config_map" "settings" {
  for_each   = { for c in var.configmaps : c.name => c }
  project_id = ibm_code_engine_project.guard.project_id
  name       = each.key
  data       = each.value.data
}

resource "ibm_code_engine_config_map" "guard" {
  project_id = ibm_code_engine_project.guard.project_id
  name       = var.project.config_map
  data       = local.generated_config
}
