# The functions, the app and the jobs. Each reads the generated configmap first, then its own
# configmaps, secrets and literals (the order deploy-plan.ts gives --env-from-configmap/-secret).

locals {
  # run_env_variables of a component spec, in that order.
  env_of = {
    for key, spec in merge(
      { for name, f in var.functions : "function/${name}" => f },
      var.app == null ? {} : { "app" = var.app },
      var.job == null ? {} : { "job" = var.job },
      var.cos_job == null ? {} : { "cos_job" = var.cos_job },
      ) : key => concat(
      [for c in concat([var.project.config_map], spec.configmaps) : { type = "config_map_full_reference", reference = c, name = null, value = null }],
      [for s in distinct(concat(spec.secrets, local.identity_secrets)) : { type = "secret_full_reference", reference = s, name = null, value = null }],
      [for k, v in spec.env : { type = "literal", reference = null, name = k, value = v }],
    )
  }
  token_enabled = local.trusted_profile != null
}

resource "ibm_code_engine_function" "guard" {
  for_each                           = var.functions
  project_id                         = ibm_code_engine_project.guard.project_id
  name                               = each.key
  runtime                            = each.value.runtime
  code_reference                     = each.value.code_bundle
  code_secret                        = each.value.code_secret
  scale_cpu_limit                    = tostring(each.value.cpu)
  scale_memory_limit                 = each.value.memory
  scale_max_execution_time           = each.value.max_execution_time
  scale_down_delay                   = each.value.scale_down_delay
  managed_domain_mappings            = local.domain_mappings[each.value.visibility]
  run_compute_resource_token_enabled = local.token_enabled
  dynamic "run_env_variables" {
    for_each = local.env_of["function/${each.key}"]
    content {
      type      = run_env_variables.value.type
      reference = run_env_variables.value.reference
      name      = run_env_variables.value.name
      value     = run_env_variables.value.value
    }
  }
  # Nothing runs before its identity, its access and its configuration exist.
  depends_on = [ibm_iam_trusted_profile_link.component, ibm_iam_trusted_profile_policy.grant, ibm_iam_service_policy.grant, ibm_code_engine_config_map.guard, ibm_code_engine_config_map.settings, ibm_code_engine_secret.env]
}

resource "ibm_code_engine_app" "events" {
  count                              = var.app == null ? 0 : 1
  project_id                         = ibm_code_engine_project.guard.project_id
  name                               = var.app.name
  image_reference                    = var.app.image
  image_secret                       = var.app.registry_secret
  image_port                         = var.app.port
  scale_min_instances                = var.app.min_scale
  scale_max_instances                = var.app.max_scale
  scale_concurrency                  = var.app.concurrency
  scale_request_timeout              = var.app.request_timeout
  scale_cpu_limit                    = tostring(var.app.cpu)
  scale_memory_limit                 = var.app.memory
  managed_domain_mappings            = local.domain_mappings[var.app.visibility]
  run_compute_resource_token_enabled = local.token_enabled
  dynamic "run_env_variables" {
    for_each = local.env_of["app"]
    content {
      type      = run_env_variables.value.type
      reference = run_env_variables.value.reference
      name      = run_env_variables.value.name
      value     = run_env_variables.value.value
    }
  }
  depends_on = [ibm_iam_trusted_profile_link.component, ibm_iam_trusted_profile_policy.grant, ibm_iam_service_policy.grant, ibm_code_engine_config_map.guard, ibm_code_engine_config_map.settings, ibm_code_engine_secret.env]
}

resource "ibm_code_engine_job" "bulk" {
  count                              = var.job == null ? 0 : 1
  project_id                         = ibm_code_engine_project.guard.project_id
  name                               = var.job.name
  image_reference                    = var.job.image
  image_secret                       = var.job.registry_secret
  run_mode                           = var.job.mode
  scale_array_spec                   = var.job.array_size == 1 ? "0" : "0-${var.job.array_size - 1}"
  scale_retry_limit                  = var.job.retry_limit
  scale_max_execution_time           = var.job.max_execution_time
  scale_cpu_limit                    = tostring(var.job.cpu)
  scale_memory_limit                 = var.job.memory
  run_compute_resource_token_enabled = local.token_enabled
  dynamic "run_env_variables" {
    for_each = local.env_of["job"]
    content {
      type      = run_env_variables.value.type
      reference = run_env_variables.value.reference
      name      = run_env_variables.value.name
      value     = run_env_variables.value.value
    }
  }
  depends_on = [ibm_iam_trusted_profile_link.component, ibm_iam_trusted_profile_policy.grant, ibm_iam_service_policy.grant, ibm_code_engine_config_map.guard, ibm_code_engine_config_map.settings, ibm_code_engine_secret.env]
}

# The COS batch job (optional): one run per Activity Tracker object a COS subscription reports.
resource "ibm_code_engine_job" "cos" {
  count                              = var.cos_job == null ? 0 : 1
  project_id                         = ibm_code_engine_project.guard.project_id
  name                               = var.cos_job.name
  image_reference                    = var.cos_job.image
  image_secret                       = var.cos_job.registry_secret
  run_mode                           = "task"
  scale_array_spec                   = "0"
  scale_retry_limit                  = var.cos_job.retry_limit
  scale_max_execution_time           = var.cos_job.max_execution_time
  scale_cpu_limit                    = tostring(var.cos_job.cpu)
  scale_memory_limit                 = var.cos_job.memory
  run_compute_resource_token_enabled = local.token_enabled
  dynamic "run_env_variables" {
    for_each = local.env_of["cos_job"]
    content {
      type      = run_env_variables.value.type
      reference = run_env_variables.value.reference
      name      = run_env_variables.value.name
      value     = run_env_variables.value.value
    }
  }
  depends_on = [ibm_iam_trusted_profile_link.component, ibm_iam_trusted_profile_policy.grant, ibm_iam_service_policy.grant, ibm_code_engine_config_map.guard, ibm_code_engine_config_map.settings, ibm_code_engine_secret.env]
}
